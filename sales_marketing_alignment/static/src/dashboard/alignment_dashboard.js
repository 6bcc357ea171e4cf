/** @odoo-module **/
// The Alignment dashboard (paper 000, Figure 2): marketing left, sales right,
// the maturity stage of paper 003 below. Numbers come from
// crm.alignment.dashboard.get_dashboard_data (the user's record rules);
// every number opens its records through action_open_metric; the feedback
// trend is Odoo's own graph view, embedded.
import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/views/fields/formatters";
import { View } from "@web/views/view";

export class AlignmentDashboard extends Component {
    static template = "sales_marketing_alignment.AlignmentDashboard";
    static components = { View };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({
            period: "month",
            teamId: false,
            dateFrom: false,
            dateTo: false,
            data: null,
            feedbackDomain: null,
            loadKey: 0,
        });
        onWillStart(async () => {
            await this.load();
            // A team leader opens the dashboard on their team.
            if (this.state.data.default_team_id) {
                this.state.teamId = this.state.data.default_team_id;
                await this.load();
            }
        });
    }

    get filters() {
        const { period, teamId, dateFrom, dateTo } = this.state;
        return [period, teamId || false, period === "custom" && dateFrom, period === "custom" && dateTo];
    }

    async load() {
        if (this.state.period === "custom" && !(this.state.dateFrom && this.state.dateTo)) {
            return;
        }
        const [data, feedback] = await Promise.all([
            this.orm.call("crm.alignment.dashboard", "get_dashboard_data", this.filters),
            this.orm.call("crm.alignment.dashboard", "action_open_metric", ["feedback", ...this.filters]),
        ]);
        this.state.data = data;
        if (this.state.period !== "custom") {
            this.state.dateFrom = data.filters.date_from;
            this.state.dateTo = data.filters.date_to;
        }
        this.state.feedbackDomain = feedback.domain;
        this.state.loadKey++;
    }

    async setPeriod(period) {
        this.state.period = period;
        await this.load();
    }

    async setTeam(ev) {
        this.state.teamId = parseInt(ev.target.value) || false;
        await this.load();
    }

    async setDate(which, ev) {
        this.state[which] = ev.target.value || false;
        this.state.period = "custom";
        await this.load();
    }

    async open(key, userId = false, extra = false) {
        const action = await this.orm.call("crm.alignment.dashboard", "action_open_metric", [
            key, ...this.filters, userId, extra,
        ]);
        await this.action.doAction(action);
    }

    async openPlan() {
        await this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "crm.funnel.plan",
            res_id: this.state.data.plan.id,
            views: [[false, "form"]],
        });
    }

    get feedbackGraphProps() {
        return {
            resModel: "crm.feedback.report",
            type: "graph",
            domain: this.state.feedbackDomain,
            context: { graph_mode: "line", graph_groupbys: ["date:week", "category"] },
            groupBy: ["date:week", "category"],
            useSampleModel: false,
            display: { controlPanel: false },
        };
    }

    missing(value) {
        return value === null || value === undefined || value === false;
    }

    num(value, digits = 0) {
        if (this.missing(value)) {
            return "–";
        }
        return formatFloat(value, { digits: [16, digits] });
    }

    pct(value) {
        return this.missing(value) ? "–" : `${formatFloat(value, { digits: [16, 0] })} %`;
    }

    money(value) {
        if (this.missing(value)) {
            return "–";
        }
        const { symbol, position } = this.state.data.currency;
        const amount = formatFloat(value, { digits: [16, 0] });
        return position === "before" ? `${symbol} ${amount}` : `${amount} ${symbol}`;
    }

    hours(value) {
        return this.missing(value) ? "–" : `${formatFloat(value, { digits: [16, 1] })} h`;
    }

    days(value) {
        return this.missing(value) ? "–" : `${formatFloat(value, { digits: [16, 1] })} d`;
    }

    signalValue(signal) {
        if (signal.unit === "%") {
            return `${this.pct(signal.value)} / ${this.pct(signal.threshold)}`;
        }
        return `${this.num(signal.value)} / ${this.num(signal.threshold)}`;
    }

    trend(row) {
        if (row.count > row.previous) {
            return "fa-arrow-up text-danger";
        }
        if (row.count < row.previous) {
            return "fa-arrow-down text-success";
        }
        return "fa-minus text-muted";
    }
}

registry.category("actions").add("sales_marketing_alignment.alignment_dashboard", AlignmentDashboard);
