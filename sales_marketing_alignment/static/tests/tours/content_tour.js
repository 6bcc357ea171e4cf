/** @odoo-module **/

import { registry } from "@web/core/registry";

// A rep shares a white paper from a lead, sends the email, then tags the call.
registry.category("web_tour.tours").add("sma_content_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name=name]:contains('Content tour deal'), .o_form_view .o_field_widget[name=name] textarea",
            content: "The lead is open",
        },
        {
            trigger: ".o_form_view button[name=action_open_content_share]",
            content: "Share content",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=content_ids] input",
            content: "Pick the white paper",
            run: "edit Tour benchmark",
        },
        {
            trigger: ".modal .o_field_widget[name=content_ids] .o-autocomplete--dropdown-item a:contains('Tour benchmark')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=content_ids] .o_tag:contains('Tour benchmark')",
            content: "The white paper is picked",
        },
        {
            trigger: ".modal button[name=action_share]",
            content: "Write the email",
            run: "click",
        },
        {
            trigger: ".modal .o_mail_composer_form_view, .modal .o_field_widget[name=body]:contains('Tour benchmark')",
            content: "Odoo's composer with the link",
        },
        {
            trigger: ".modal button.o_mail_send:not(:disabled)",
            content: "Send",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
            content: "The composer is closed",
        },
        {
            trigger: ".o_form_view button[name=action_open_message_tag]",
            content: "Tag the call",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=message_ids] input",
            content: "Pick the key message used",
            run: "edit Tour message",
        },
        {
            trigger: ".modal .o_field_widget[name=message_ids] .o-autocomplete--dropdown-item a:contains('Tour message')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=message_ids] .o_tag:contains('Tour message')",
            content: "The message is picked",
        },
        {
            trigger: ".modal .o_field_widget[name=reaction] input[data-value=objection]",
            content: "The customer objected",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=objection] select",
            content: "on price",
            run: `select "price"`,
        },
        {
            trigger: ".modal button[name=action_tag]",
            content: "Tag",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
            content: "Tagged",
        },
        {
            trigger: ".o-mail-Message:contains('Content shared with Tara Tour')",
            content: "The share is logged in the chatter",
        },
    ],
});
