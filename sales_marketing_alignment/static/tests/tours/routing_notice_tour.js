/** @odoo-module **/
// A rep saves a lead with no salesperson; routing gives it to a colleague.
// The save succeeds and the form says where the lead went.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("sma_routing_notice_tour", {
    url: "/odoo/action-crm.crm_lead_all_leads/new",
    steps: () => [
        {
            trigger: ".o_field_widget[name=name] textarea",
            content: "Name the lead",
            run: "edit Routed away by tour",
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
            trigger: "div[name=routing_notice] .o_field_widget[name=routing_notice]:contains('Omar Colleague'):contains('You can no longer open it')",
            content: "The form says where the lead went",
        },
        {
            trigger: ".o_form_saved",
            content: "The save succeeded",
        },
        {
            trigger: ".o_field_widget[name=name] textarea:value(Routed away by tour)",
            content: "What the rep typed is still shown",
        },
    ],
});
