/** @odoo-module **/

import { registry } from "@web/core/registry";

// Marketing builds a two-step nurture track: a white paper at once, a demo three days later.
registry.category("web_tour.tours").add("sma_nurture_tour", {
    steps: () => [
        {
            trigger: ".o_list_button_add",
            content: "New track",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            content: "Name it",
            run: "edit Tour track",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            content: "First step",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_selected_row .o_field_widget[name=content_ids] input",
            content: "The white paper",
            run: "edit Tour paper",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour paper')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_field_widget[name=content_ids] .o_tag:contains('Tour paper')",
            content: "The paper is in the first step",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            content: "Second step",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_selected_row .o_field_widget[name=wait_days] input",
            content: "Three days later",
            run: "edit 3",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_selected_row .o_field_widget[name=content_ids] input",
            content: "The demo",
            run: "edit Tour demo",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour demo')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_field_widget[name=content_ids] .o_tag:contains('Tour demo')",
            content: "The demo is in the second step",
        },
        {
            trigger: ".o_form_button_save",
            content: "Save",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb .active:contains('Tour track')",
            content: "The track is saved",
        },
    ],
});
