/** @odoo-module **/

import { registry } from "@web/core/registry";

// An alignment manager creates a scoring rule and a routing rule; a new lead
// is scored, explained and routed to a member of the team when it is saved.
registry.category("web_tour.tours").add("sma_scoring_routing_tour", {
    url: "/odoo/action-sales_marketing_alignment.crm_scoring_rule_action?debug=1",
    steps: () => [
        // The scoring rule
        {
            trigger: ".o_list_button_add",
            content: "Create a scoring rule",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            content: "Name it",
            run: "edit Decision maker by tour",
        },
        {
            trigger: ".o_field_widget[name=dimension] input[data-value=fit]:checked",
            content: "Fit is the default dimension: who the lead is",
        },
        {
            trigger: ".o_field_widget[name=points] input",
            content: "A decision maker is worth 60 points",
            run: "edit 60",
        },
        {
            trigger: ".o_domain_selector_debug_container textarea",
            content: "The lead's buying role is Decision maker",
            run: `edit [("buying_role", "=", "decision_maker")]`,
        },
        {
            trigger: ".o_form_button_save",
            content: "Save the scoring rule",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
            content: "The scoring rule is saved",
        },
        // The routing rule, through the menu
        {
            trigger: ".o_main_navbar button[data-menu-xmlid='sales_marketing_alignment.menu_alignment_root']",
            content: "Open the Alignment menu",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='sales_marketing_alignment.menu_alignment_routing_rules']",
            content: "Open the routing rules",
            run: "click",
        },
        {
            trigger: ".o_control_panel_breadcrumbs:contains('Routing Rules') .o_list_button_add",
            content: "Create a routing rule",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            content: "Name it",
            run: "edit Sales-ready to inside sales by tour",
        },
        {
            trigger: ".o_field_widget[name=score_min] input",
            content: "It routes the leads scoring 50 or more",
            run: "edit 50",
        },
        {
            trigger: ".o_field_widget[name=target] input[data-value=team]:checked",
            content: "Leads go to a sales team by default",
        },
        {
            trigger: ".o_field_widget[name=team_id] input",
            content: "Choose the team",
            run: "edit Tour Inside Sales",
        },
        {
            trigger: ".o_field_widget[name=team_id] .o-autocomplete--dropdown-item a:contains('Tour Inside Sales')",
            content: "Pick it in the list",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=team_id]:not(:has(.o-autocomplete--dropdown-menu)) input:value(Tour Inside Sales)",
            content: "The team is set",
        },
        {
            trigger: ".o_field_widget[name=distribution] input[data-value=round_robin]:checked",
            content: "Members take turns",
        },
        {
            trigger: ".o_form_button_save",
            content: "Save the routing rule",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
            content: "The routing rule is saved",
        },
        // A new lead
        {
            trigger: ".o_main_navbar a[data-menu-xmlid='crm.crm_menu_leads']",
            content: "Open the leads",
            run: "click",
        },
        {
            trigger: ".o_control_panel_breadcrumbs:contains('Leads') .o_list_button_add",
            content: "Create a lead",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] textarea",
            content: "Name the lead",
            run: "edit Tour scored prospect",
        },
        {
            trigger: ".o_field_widget[name=buying_role] select",
            content: "The contact is the decision maker",
            run: `select "decision_maker"`,
        },
        {
            trigger: ".o_field_widget[name=user_id] input",
            content: "No salesperson: routing decides",
            run: "clear",
        },
        {
            trigger: ".o_form_button_save",
            content: "Save the lead",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
            content: "The lead is saved",
        },
        {
            trigger: "div[name=grade_badge] .o_field_widget[name=grade]:contains('B')",
            content: "The grade is shown next to the title",
        },
        {
            trigger: "div[name=lifecycle_badge] .o_field_widget[name=lifecycle_stage]:contains('MQL')",
            content: "Reaching the sales-ready score handed it to sales",
        },
        {
            trigger: ".o_field_widget[name=user_id] input:value(Rita Router)",
            content: "The routing gave it to the team's rep",
        },
        {
            trigger: ".o_notebook .nav-link[name=alignment_scoring]",
            content: "Open the Score and Routing tab",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=fit_score]:contains('60')",
            content: "60 fit points",
        },
        {
            trigger: ".o_field_widget[name=score]:contains('60')",
            content: "A score of 60",
        },
        {
            trigger: ".o_field_widget[name=score_explanation]:contains('Decision maker by tour: +60')",
            content: "The explanation names the rule and its points",
        },
        {
            trigger: ".o_field_widget[name=score_line_ids] .o_data_row:contains('Decision maker by tour')",
            content: "The matched rule is listed",
        },
        {
            trigger: ".o_field_widget[name=routing_state]:contains('Assigned')",
            content: "The lead is assigned",
        },
        {
            trigger: ".o_field_widget[name=routing_rule_id]:contains('Sales-ready to inside sales by tour')",
            content: "by the routing rule",
        },
        {
            trigger: ".o_field_widget[name=routing_log_ids] .o_data_row:contains('Sales-ready to inside sales by tour'):contains('Rita Router')",
            content: "The routing log says which rule gave it to whom",
        },
    ],
});
