/** @odoo-module **/
// The Alignment dashboard, as a manager and as a rep: the same screen over
// the records each may read; a number opens its records.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("sma_alignment_dashboard_manager", {
    steps: () => [
        {
            trigger: ".o_sma_dashboard .o_sma_marketing a[data-metric=inquiries]",
            content: "Marketing on the left",
        },
        {
            trigger: ".o_sma_dashboard .o_sma_sales a[data-metric=waiting_acceptance]",
            content: "Sales on the right",
        },
        {
            trigger: ".o_sma_reps tr[data-rep='Tour Rep']",
            content: "Every rep of the team...",
        },
        {
            trigger: ".o_sma_reps tr[data-rep='Tour Other Rep']",
            content: "... side by side",
        },
        {
            trigger: ".o_sma_maturity .o_sma_stage:contains('Stage')",
            content: "The alignment stage and its evidence",
        },
        {
            trigger: ".o_sma_maturity [data-signal=sla_compliance]",
            content: "SLA compliance is one of the signals",
        },
        {
            trigger: ".o_sma_dashboard a[data-metric=waiting_acceptance]",
            content: "Open the leads waiting for acceptance",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb:contains('Waiting for Acceptance')",
            content: "The records behind the number",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour lead A')",
            content: "Rita's lead...",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour lead B')",
            content: "... and Omar's",
        },
    ],
});

registry.category("web_tour.tours").add("sma_alignment_dashboard_rep", {
    steps: () => [
        {
            trigger: ".o_sma_reps tr[data-rep='Tour Rep']",
            content: "A rep sees their own row",
        },
        {
            trigger: ".o_sma_reps tbody:not(:has(tr[data-rep='Tour Other Rep']))",
            content: "and not their colleague's",
        },
        {
            trigger: ".o_sma_dashboard a[data-metric=waiting_acceptance]",
            content: "Open the leads waiting for their answer",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour lead A')",
            content: "Their lead",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour lead B')))",
            content: "Not their colleague's",
        },
    ],
});
