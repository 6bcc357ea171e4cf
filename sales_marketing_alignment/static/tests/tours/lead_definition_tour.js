/** @odoo-module **/

import { registry } from "@web/core/registry";

// An alignment manager adds a must-have criterion in the domain editor.
registry.category("web_tour.tours").add("sma_lead_definition_add_criterion", {
    url: "/odoo/action-sales_marketing_alignment.crm_lead_definition_criterion_action?debug=1",
    steps: () => [
        {
            trigger: ".o_list_button_add",
            content: "Create a criterion",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            content: "Name it",
            run: "edit Budget identified by tour",
        },
        {
            trigger: ".o_field_widget[name=requirement] input[data-value=must]:checked",
            content: "Must-have is the default",
        },
        {
            trigger: ".o_domain_selector_debug_container textarea",
            content: "Write the condition",
            run: `edit [("budget_status", "in", ["formal", "informal"])]`,
        },
        {
            trigger: ".o_form_button_save",
            content: "Save",
            run: "click",
        },
        {
            trigger: ".breadcrumb-item a:contains('Lead Definition')",
            content: "Back to the list",
            run: "click",
        },
        {
            trigger: ".o_data_row td:contains('Budget identified by tour')",
            content: "The criterion is saved",
        },
    ],
});

// A lead missing the must-have shows as Inquiry; filling it makes it a Lead.
registry.category("web_tour.tours").add("sma_lead_definition_qualify_lead", {
    steps: () => [
        {
            trigger: ".o_field_widget[name=lifecycle_stage]:contains('Inquiry')",
            content: "The lead misses the must-have: it is an inquiry",
        },
        {
            trigger: ".o_field_widget[name=definition_missing_ids]:contains('Budget identified by tour')",
            content: "The missing criterion is named",
        },
        {
            trigger: ".o_field_widget[name=budget_status] select",
            content: "Qualify the budget",
            run: `select "formal"`,
        },
        {
            trigger: ".o_form_button_save",
            content: "Save",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=lifecycle_stage]:contains('Lead')",
            content: "It is now a lead",
        },
        {
            trigger: ".o_field_widget[name=meets_definition] input:checked",
            content: "It meets the lead definition",
        },
    ],
});
