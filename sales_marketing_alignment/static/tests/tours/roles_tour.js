/** @odoo-module **/
// Each role meets the alignment where its work is.
import { registry } from "@web/core/registry";

// A rep finds the lead handed to them in the activity menu and accepts it.
registry.category("web_tour.tours").add("sma_rep_accepts_from_activity_menu", {
    steps: () => [
        {
            trigger: ".o_menu_systray i[aria-label='Activities']",
            content: "Open the activity menu",
            run: "click",
        },
        {
            trigger: ".o-mail-ActivityGroup[data-model_name='crm.lead'] span:contains('Future')",
            content: "The hand-off is due at the feedback deadline",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('Tour handed-off lead') .o_data_cell[name=name]",
            content: "Open the lead",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_accept_handoff]",
            content: "Accept it",
            run: "click",
        },
        {
            trigger: ".o_form_view div[name=lifecycle_badge] .o_field_widget[name=lifecycle_stage]:contains('SAL')",
            content: "Accepted by sales",
        },
        {
            trigger: ".o_form_view:not(:has(button[name=action_accept_handoff]))",
            content: "Nothing left to answer",
        },
    ],
});

// Marketing opens CRM (its home, My Pipeline) and lands on its nurture queue,
// not on an empty pipeline.
registry.category("web_tour.tours").add("sma_marketing_lands_on_nurture", {
    steps: () => [
        {
            trigger: ".o_control_panel .o_breadcrumb:contains('Nurture')",
            content: "Marketing's nurture queue",
        },
        {
            trigger: ".o_list_view th[data-name=name]:contains('Lead')",
            content: "Its columns are about leads",
        },
        {
            trigger: ".o_data_row:contains('Tour nurtured lead') .o_data_cell[name=handoff_reject_reason_id]:contains('time frame delayed')",
            content: "Why sales returned it",
        },
    ],
});

// On a won deal, only the quick actions that apply are offered.
registry.category("web_tour.tours").add("sma_no_quick_move_on_won_deal", {
    steps: () => [
        {
            trigger: ".o_form_view .o_sma_quick_action:contains('Left voicemail')",
            content: "Logging a call still applies",
        },
        {
            trigger: ".o_form_view:not(:has(.o_sma_quick_action:contains('Unreachable 3 times')))",
            content: "No move back to nurture on a won deal",
        },
        {
            trigger: ".o_form_view div[name=lifecycle_badge] .o_field_widget[name=lifecycle_stage]:contains('Customer')",
            content: "It stays a customer",
        },
    ],
});
