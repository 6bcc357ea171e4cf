/** @odoo-module **/

import { registry } from "@web/core/registry";

// A rep creates a personal quick action...
registry.category("web_tour.tours").add("sma_quick_action_tour", {
    url: "/odoo/action-sales_marketing_alignment.crm_quick_action_action",
    steps: () => [
        {
            trigger: ".o_list_button_add",
            content: "Create a quick action",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            content: "Label it",
            run: "edit Voicemail, retry Monday",
        },
        {
            trigger: ".o_field_widget[name=log_activity_type_id] input",
            content: "It logs a call",
            run: "edit Call",
        },
        {
            trigger: ".o_field_widget[name=log_activity_type_id] .o-autocomplete--dropdown-item a:contains('Call')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=log_activity_type_id]:not(:has(.o-autocomplete--dropdown-menu)) input:value(Call)",
            content: "The activity type is set",
        },
        {
            trigger: ".o_field_widget[name=log_note] input",
            content: "with a note",
            run: "edit Left voicemail",
        },
        {
            trigger: ".o_field_widget[name=next_activity_type_id] input",
            content: "It schedules a call",
            run: "edit Call",
        },
        {
            trigger: ".o_field_widget[name=next_activity_type_id] .o-autocomplete--dropdown-item a:contains('Call')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=next_activity_type_id]:not(:has(.o-autocomplete--dropdown-menu)) input:value(Call)",
            content: "The activity type is set",
        },
        {
            trigger: ".o_field_widget[name=next_delay] input",
            content: "in 2",
            run: "edit 2",
        },
        {
            trigger: ".o_field_widget[name=next_delay_unit] select",
            content: "working days",
            run: `select "working_days"`,
        },
        {
            trigger: ".o_form_button_save",
            content: "Save",
            run: "click",
        },
        {
            trigger: ".breadcrumb-item a:contains('Quick Actions')",
            content: "Back to the list",
            run: "click",
        },
        {
            trigger: ".o_data_row td:contains('Voicemail, retry Monday')",
            content: "The quick action is saved",
        },
    ],
});

// ... and clicks it on a card of the pipeline.
registry.category("web_tour.tours").add("sma_quick_action_click_tour", {
    url: "/odoo/action-crm.crm_lead_action_pipeline",
    steps: () => [
        {
            trigger: ".o_kanban_record:contains('Quick tour prospect') .o_sma_quick_action_menu",
            content: "Open the card's quick actions",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item.o_sma_quick_action:contains('Voicemail, retry Monday')",
            content: "Click the quick action",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('Applied to 1 lead')",
            content: "Confirmation",
        },
    ],
});
