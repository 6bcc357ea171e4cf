# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_amount

from ..tools.constants import FUNNEL_STAGES, LIFECYCLE_STAGES
from ..tools.sql import jit_off

FUNNEL_SELECTION = [(key, label) for key, label in LIFECYCLE_STAGES if key in FUNNEL_STAGES]


class CrmFunnelPlan(models.Model):
    """How many raw leads a revenue goal needs (paper 000, "Determine
    Quantity"): from a look-back window of lifecycle history, the average won
    deal size and each stage-to-stage conversion rate; from them, the leads
    needed at every stage; against them, the actuals of the plan's period,
    a linear projection at its end and the bottleneck. Figures are computed
    when read, in SQL, with the reader's record rules."""

    _name = "crm.funnel.plan"
    _description = "Funnel Plan"
    _order = "date_from desc, id desc"

    name = fields.Char(required=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", index=True,
        help="Plan for one team's leads (their current team); empty: the whole company.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date("From", required=True)
    date_to = fields.Date("To", required=True)
    revenue_goal = fields.Monetary(required=True, currency_field="currency_id")
    lookback_months = fields.Integer(
        "Look-back (months)", default=12, required=True,
        help="Months of history before the plan's start that give the conversion rates and the "
        "average deal size.")
    line_ids = fields.One2many("crm.funnel.plan.line", "plan_id", string="Stages")

    # Computed from the history (SQL), with the reader's record rules
    avg_deal_size = fields.Monetary(
        compute="_compute_funnel", currency_field="currency_id",
        help="Average expected revenue of the deals won in the look-back window (won now, by won date).")
    leads_needed = fields.Float(
        compute="_compute_funnel", digits=(16, 1),
        help="Raw leads (inquiries) the goal needs: goal / average deal size / product of the "
        "stage-to-stage conversion rates.")
    actual_revenue = fields.Monetary(
        "Won So Far", compute="_compute_funnel", currency_field="currency_id",
        help="Expected revenue of the deals won in the plan's period so far (won now, by won date).")
    projected_revenue = fields.Monetary(
        compute="_compute_funnel", currency_field="currency_id",
        help="Won so far, extended linearly to the end of the period.")
    bottleneck_stage = fields.Selection(
        FUNNEL_SELECTION, compute="_compute_funnel",
        help="The stage whose conversion to the next one, this period, falls furthest below the "
        "rate the plan needs (the look-back rate). Empty when the projection reaches the goal.")
    bottleneck_gap_leads = fields.Float(
        "Bottleneck Gap (leads)", compute="_compute_funnel", digits=(16, 1),
        help="Leads that did not reach the next stage at the bottleneck, compared with the rate "
        "the plan needs.")
    bottleneck_gap_revenue = fields.Monetary(
        "Bottleneck Gap (revenue)", compute="_compute_funnel", currency_field="currency_id",
        help="The revenue those leads would bring through the rest of the funnel at the look-back "
        "rates and the average deal size.")
    warning = fields.Text(compute="_compute_funnel")
    goal_met = fields.Boolean(compute="_compute_funnel")
    # Every figure of the plan and its lines, computed once per read (one query)
    funnel_figures = fields.Json(compute="_compute_funnel_figures")

    @api.depends("date_from", "date_to", "revenue_goal", "lookback_months", "company_id", "team_id")
    @api.depends_context("uid")
    def _compute_funnel_figures(self):
        for plan in self:
            plan.funnel_figures = plan._funnel_figures_one()

    @api.depends("funnel_figures")
    @api.depends_context("uid")
    def _compute_funnel(self):
        for plan in self:
            result = plan.funnel_figures
            plan.avg_deal_size = result["avg_deal_size"]
            plan.leads_needed = result["required"]["inquiry"]
            plan.actual_revenue = result["actual_revenue"]
            plan.projected_revenue = result["projected_revenue"]
            plan.bottleneck_stage = result["bottleneck_stage"]
            plan.bottleneck_gap_leads = result["gap_leads"]
            plan.bottleneck_gap_revenue = result["gap_revenue"]
            plan.warning = "\n".join(result["warnings"]) or False
            plan.goal_met = result["goal_met"]

    @api.constrains("date_from", "date_to", "revenue_goal", "lookback_months")
    def _check_plan(self):
        for plan in self:
            if plan.date_to < plan.date_from:
                raise ValidationError(_("The plan \"%(plan)s\" ends before it starts.", plan=plan.name))
            if plan.revenue_goal < 0:
                raise ValidationError(_("The revenue goal cannot be negative."))
            if not 1 <= plan.lookback_months <= 120:
                raise ValidationError(_("The look-back window is 1 to 120 months (12 is usual)."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("line_ids"):
                vals["line_ids"] = [(0, 0, {"stage": stage, "sequence": seq})
                                    for seq, stage in enumerate(FUNNEL_STAGES)]
        return super().create(vals_list)

    def action_open_stage_leads(self, stage, which="actual"):
        """The leads behind a figure of the plan: those that reached ``stage``
        in the plan's period (``actual``) or in the look-back window
        (``history``)."""
        self.ensure_one()
        return self._figure_action(stage, "history" if which == "history" else "actual")

    def _figure_action(self, stage, which):
        """The window action on the leads a figure of the plan counts (see _figure_domain)."""
        self.ensure_one()
        labels = dict(FUNNEL_SELECTION)
        names = {
            "actual": _("%(plan)s: %(stage)s", plan=self.name, stage=labels.get(stage)),
            "history": _("%(plan)s: %(stage)s in the look-back window", plan=self.name, stage=labels.get(stage)),
            "won": _("%(plan)s: won so far", plan=self.name),
            "gap": _("%(plan)s: %(stage)s, not gone further", plan=self.name, stage=labels.get(stage)),
        }
        return {
            "type": "ir.actions.act_window",
            "name": names[which],
            "res_model": "crm.lead",
            "views": [[False, "list"], [False, "form"]],
            "domain": self._figure_domain(stage, which),
            "context": {"active_test": False},
        }

    def _figure_domain(self, stage, which):
        """crm.lead domain (archived leads included) of the leads a figure
        counts, as _funnel_counts does on crm.funnel.report:
        ``actual``: reached ``stage`` in the period; ``history``: reached it
        in the look-back window (the base of its planned rate and needed
        count); ``won``: won in the period (won so far, the projection);
        ``gap``: reached ``stage`` (the bottleneck) in the period and not
        the next stage (yet)."""
        self.ensure_one()
        start, end = self._window("history" if which == "history" else "period")
        if which == "won":
            return self._lead_domain() + [
                ("active", "=", True), ("stage_id.is_won", "=", True), ("probability", "=", 100),
                ("date_closed", ">=", start), ("date_closed", "<", end)]
        domain = self._lead_domain() + [(f"date_reached_{stage}", ">=", start), (f"date_reached_{stage}", "<", end)]
        if which == "gap" and stage in FUNNEL_STAGES[:-1]:
            domain.append((f"date_reached_{FUNNEL_STAGES[FUNNEL_STAGES.index(stage) + 1]}", "=", False))
        return domain

    # ------------------------------------------------------------
    # FUNNEL MATH
    # ------------------------------------------------------------

    def _window(self, which):
        """(start, end) datetimes of the look-back window or of the period (end excluded)."""
        start = datetime.combine(self.date_from, time.min)
        if which == "history":
            return start - relativedelta(months=self.lookback_months), start
        return start, datetime.combine(self.date_to, time.min) + relativedelta(days=1)

    def _lead_domain(self):
        domain = [("company_id", "=", self.company_id.id)]
        if self.team_id:
            domain.append(("team_id", "=", self.team_id.id))
        return domain

    def _funnel_counts(self):
        """One row of counts from the funnel report, with the reader's rules:
        per stage, the leads that entered it in the look-back window and of
        those the ones that reached the next stage (at any time), the same in
        the plan's period, the average won deal and the revenue won in the
        period. One set-based query (FILTER aggregates) instead of one count
        per stage."""
        self.ensure_one()
        Report = self.env["crm.funnel.report"]
        query = Report._search(self._lead_domain())
        hist_start, hist_end = self._window("history")
        start, end = self._window("period")

        def col(name):
            return SQL.identifier(query.table, name)

        def within(name, lower, upper):
            return SQL("%s >= %s AND %s < %s", col(name), lower, col(name), upper)

        aggregates = []
        for index, stage in enumerate(FUNNEL_STAGES):
            date = f"date_{stage}"
            aggregates.append(SQL("COUNT(*) FILTER (WHERE %s)", within(date, hist_start, hist_end)))
            aggregates.append(SQL("COUNT(*) FILTER (WHERE %s)", within(date, start, end)))
            if index + 1 < len(FUNNEL_STAGES):
                following = col(f"date_{FUNNEL_STAGES[index + 1]}")
                aggregates.append(SQL("COUNT(*) FILTER (WHERE %s AND %s IS NOT NULL)",
                                      within(date, hist_start, hist_end), following))
                aggregates.append(SQL("COUNT(*) FILTER (WHERE %s AND %s IS NOT NULL)",
                                      within(date, start, end), following))
        # Won deals (the average deal, won so far): won now, by won date, as the dashboard counts them.
        aggregates.append(SQL("AVG(%s) FILTER (WHERE %s AND %s)", col("won_revenue"), col("is_won"),
                              within("date_won", hist_start, hist_end)))
        aggregates.append(SQL("COUNT(*) FILTER (WHERE %s AND %s)", col("is_won"),
                              within("date_won", hist_start, hist_end)))
        aggregates.append(SQL("SUM(%s) FILTER (WHERE %s AND %s)", col("won_revenue"), col("is_won"),
                              within("date_won", start, end)))
        # The report is a view over leads and their history: write pending changes first.
        for model in ("crm.lead", "crm.lead.lifecycle.history"):
            self.env[model].flush_model()
        # PostgreSQL's JIT compiles this one wide aggregate (26 FILTERs over
        # every lead of the look-back) for longer than it saves: at a million
        # leads 0.46 to 0.59 s without, 0.70 to 1.1 s with (bench/README.md).
        # Off for this statement only (if it fails, the transaction ends with it).
        with jit_off(self.env.cr):
            row = list(self.env.execute_query(query.select(*aggregates))[0])
        counts = {}
        for index, stage in enumerate(FUNNEL_STAGES):
            counts[stage] = {"hist": row.pop(0), "actual": row.pop(0)}
            if index + 1 < len(FUNNEL_STAGES):
                counts[stage]["hist_next"] = row.pop(0)
                counts[stage]["actual_next"] = row.pop(0)
        avg_deal, won_count, actual_revenue = row
        return counts, float(avg_deal or 0.0), won_count, float(actual_revenue or 0.0)

    def _funnel_figures_one(self):
        if not self.date_from or not self.date_to or not self.company_id or not self.id:
            return self._empty_figures()
        counts, avg_deal, won_count, actual_revenue = self._funnel_counts()
        warnings = []
        hist_start, _hist_end = self._window("history")
        if not counts["inquiry"]["hist"]:
            warnings.append(_(
                "No lead entered the funnel in the %(months)s months before %(date)s: there is no "
                "history to measure conversion rates on. Widen the look-back window, or wait for "
                "leads to build history.", months=self.lookback_months, date=self.date_from))
        elif not won_count:
            warnings.append(_(
                "No deal was won in the look-back window (since %(date)s): the average deal size, "
                "hence the number of leads the goal needs, is unknown.", date=hist_start.date()))
        # Historical (planned) rate from each stage to the next, as fractions.
        rates = {}
        for stage in FUNNEL_STAGES[:-1]:
            entered = counts[stage]["hist"]
            rates[stage] = counts[stage]["hist_next"] / entered if entered else 0.0
        labels = dict(FUNNEL_SELECTION)
        zero = [stage for stage in FUNNEL_STAGES[:-1] if counts["inquiry"]["hist"] and not rates[stage]]
        for stage in zero:
            following = FUNNEL_STAGES[FUNNEL_STAGES.index(stage) + 1]
            warnings.append(_(
                "No lead went from %(stage)s to %(next)s in the look-back window (0 %%): no number "
                "of leads reaches the goal until that step converts, so the figures before it are "
                "left empty.", stage=labels[stage], next=labels[following]))
        # Needed counts, from the customers the goal needs back up the funnel;
        # None where a rate or the deal size is unknown (no division by zero).
        required = dict.fromkeys(FUNNEL_STAGES)
        if avg_deal > 0:
            required["customer"] = self.revenue_goal / avg_deal
            for stage in reversed(FUNNEL_STAGES[:-1]):
                following = required[FUNNEL_STAGES[FUNNEL_STAGES.index(stage) + 1]]
                required[stage] = following / rates[stage] if following is not None and rates[stage] else None
        # Linear projection: what the period so far shows, at the period's pace.
        start, end = self._window("period")
        now = fields.Datetime.now()
        if now <= start:
            factor = 0.0
        elif now >= end:
            factor = 1.0
        else:
            factor = (end - start).total_seconds() / (now - start).total_seconds()
        projected_revenue = actual_revenue * factor
        goal_met = actual_revenue >= self.revenue_goal
        if goal_met:
            warnings.append(_("The goal is already met: %(won)s won in the period for a goal of %(goal)s.",
                              won=format_amount(self.env, actual_revenue, self.currency_id),
                              goal=format_amount(self.env, self.revenue_goal, self.currency_id)))
        # Bottleneck: the step whose rate this period falls furthest below
        # the planned rate (ratio actual / planned), among steps with leads
        # entering them in the period; none when the projection reaches the goal.
        lines = {}
        worst = None
        for index, stage in enumerate(FUNNEL_STAGES):
            line = {
                "conversion_rate": 0.0, "actual_rate": 0.0, "required_count": required[stage] or 0.0,
                "actual_count": counts[stage]["actual"], "projected_count": counts[stage]["actual"] * factor,
                "gap_count": 0.0, "gap_revenue": 0.0,
            }
            if index + 1 < len(FUNNEL_STAGES):
                line["conversion_rate"] = rates[stage] * 100
                cohort = counts[stage]["actual"]
                actual_rate = counts[stage]["actual_next"] / cohort if cohort else None
                line["actual_rate"] = (actual_rate or 0.0) * 100
                if actual_rate is not None and rates[stage] and actual_rate < rates[stage]:
                    missing = cohort * (rates[stage] - actual_rate)
                    downstream = 1.0
                    for later in FUNNEL_STAGES[index + 1:-1]:
                        downstream *= rates[later]
                    line["gap_count"] = missing
                    line["gap_revenue"] = missing * downstream * avg_deal
                    ratio = actual_rate / rates[stage]
                    if worst is None or ratio < worst[0]:
                        worst = (ratio, stage)
            lines[stage] = line
        bottleneck = worst[1] if worst and projected_revenue < self.revenue_goal else False
        return {
            "avg_deal_size": avg_deal,
            "required": {stage: value or 0.0 for stage, value in required.items()},
            "actual_revenue": actual_revenue,
            "projected_revenue": projected_revenue,
            "bottleneck_stage": bottleneck,
            "gap_leads": lines[bottleneck]["gap_count"] if bottleneck else 0.0,
            "gap_revenue": lines[bottleneck]["gap_revenue"] if bottleneck else 0.0,
            "warnings": warnings,
            "goal_met": goal_met,
            "lines": lines,
        }

    def _empty_figures(self):
        line = {"conversion_rate": 0.0, "actual_rate": 0.0, "required_count": 0.0, "actual_count": 0,
                "projected_count": 0.0, "gap_count": 0.0, "gap_revenue": 0.0}
        return {
            "avg_deal_size": 0.0, "required": dict.fromkeys(FUNNEL_STAGES, 0.0), "actual_revenue": 0.0,
            "projected_revenue": 0.0, "bottleneck_stage": False, "gap_leads": 0.0, "gap_revenue": 0.0,
            "warnings": [], "goal_met": False, "lines": {stage: dict(line) for stage in FUNNEL_STAGES},
        }


class CrmFunnelPlanLine(models.Model):
    """One funnel stage of a plan: the planned conversion to the next stage,
    the leads the goal needs at this stage and what the period shows."""

    _name = "crm.funnel.plan.line"
    _description = "Funnel Plan Stage"
    _order = "plan_id, sequence"

    plan_id = fields.Many2one("crm.funnel.plan", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer()
    stage = fields.Selection(FUNNEL_SELECTION, required=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    conversion_rate = fields.Float(
        "Planned Rate (%)", compute="_compute_figures", digits=(16, 1),
        help="Of the leads that entered this stage in the look-back window, the share that "
        "reached the next one: the rate the goal needs.")
    required_count = fields.Float(
        "Needed", compute="_compute_figures", digits=(16, 1),
        help="Leads that must reach this stage in the period for the goal.")
    actual_count = fields.Integer(
        "Actual", compute="_compute_figures", help="Leads that reached this stage in the period so far.")
    projected_count = fields.Float(
        "Projected", compute="_compute_figures", digits=(16, 1),
        help="Actual, extended linearly to the end of the period.")
    actual_rate = fields.Float(
        "Rate This Period (%)", compute="_compute_figures", digits=(16, 1),
        help="Of the leads that entered this stage in the period, the share that reached the next one.")
    gap_count = fields.Float(
        "Gap (leads)", compute="_compute_figures", digits=(16, 1),
        help="Leads that would have reached the next stage at the planned rate, and did not.")
    gap_revenue = fields.Monetary(
        "Gap (revenue)", compute="_compute_figures", currency_field="currency_id",
        help="What those leads would bring at the planned rates after this stage and the average deal size.")
    is_bottleneck = fields.Boolean(compute="_compute_figures")

    _sql_constraints = [
        ("stage_unique", "UNIQUE(plan_id, stage)", "A plan has one line per funnel stage."),
    ]

    @api.depends("stage", "plan_id.funnel_figures")
    @api.depends_context("uid")
    def _compute_figures(self):
        for line in self:
            result = line.plan_id.funnel_figures
            values = result["lines"][line.stage] if result and line.stage else {}
            line.conversion_rate = values.get("conversion_rate", 0.0)
            line.required_count = values.get("required_count", 0.0)
            line.actual_count = values.get("actual_count", 0)
            line.projected_count = values.get("projected_count", 0.0)
            line.actual_rate = values.get("actual_rate", 0.0)
            line.gap_count = values.get("gap_count", 0.0)
            line.gap_revenue = values.get("gap_revenue", 0.0)
            line.is_bottleneck = bool(result) and result["bottleneck_stage"] == line.stage

    def action_open_leads(self):
        """The leads that reached this stage in the plan's period."""
        self.ensure_one()
        return self.plan_id.action_open_stage_leads(self.stage)
