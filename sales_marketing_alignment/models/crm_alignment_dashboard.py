# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.constants import DASHBOARD_PERIODS, FEEDBACK_CATEGORIES, FUNNEL_STAGES, LIFECYCLE_STAGES

MARKETING_GROUP = "sales_marketing_alignment.group_alignment_marketing"
# Figures of the funnel plan that open their leads (besides plan_actual_<stage>, plan_history_<stage>).
PLAN_FIGURES = ("plan_won", "plan_gap")
LEAD_VIEWS = [[False, "list"], [False, "form"]]
# The views a drill-down opens, per model (report models have no form).
DRILL_VIEWS = {
    "crm.lead": LEAD_VIEWS,
    "utm.campaign": [[False, "list"], [False, "form"]],
    "crm.attribution.report": [[False, "list"], [False, "pivot"]],
    "crm.feedback.report": [[False, "list"], [False, "graph"], [False, "pivot"]],
    "crm.sla.report": [[False, "list"], [False, "pivot"]],
    "crm.rep.quality.report": [[False, "list"], [False, "pivot"]],
    "crm.score.report": [[False, "pivot"], [False, "list"]],
    "crm.lead.lifecycle.history": [[False, "list"]],
}


class CrmAlignmentDashboard(models.AbstractModel):
    """The Alignment dashboard (paper 000, Figure 2): marketing's numbers on
    the left, sales' on the right, the maturity stage of paper 003 below.
    Every number is a count or an aggregate of a model and a domain
    (``_metric``), read with the user's record rules, and every number
    opens those records (``action_open_metric``): what a rep, a team leader
    or a manager sees is the same screen over the records they may read."""

    _name = "crm.alignment.dashboard"
    _description = "Alignment Dashboard"

    # ------------------------------------------------------------
    # RPC API
    # ------------------------------------------------------------

    @api.model
    def get_dashboard_data(self, period="month", team_id=False, date_from=False, date_to=False):
        """Every number of the dashboard for a period (``month``, ``quarter``,
        ``year`` or ``custom`` with ``date_from``/``date_to``) and a team
        (False: all teams the user sees), as a JSON-able dict."""
        start, end = self._period_bounds(period, date_from, date_to)
        team_id = team_id or False
        company = self.env.company
        filters = {"period": period, "team_id": team_id, "date_from": fields.Date.to_string(start.date()),
                   "date_to": fields.Date.to_string((end - relativedelta(days=1)).date())}
        return {
            "filters": filters,
            "periods": DASHBOARD_PERIODS,
            "teams": [{"id": team.id, "name": team.name}
                      for team in self.env["crm.team"].search([("company_id", "in", [company.id, False])])],
            "currency": {"symbol": company.currency_id.symbol, "position": company.currency_id.position},
            "is_marketing": self.env.user.has_group(MARKETING_GROUP),
            "default_team_id": self._default_team_id(),
            "marketing": self._marketing_data(start, end, team_id),
            "sales": self._sales_data(start, end, team_id),
            "plan": self._plan_data(start, end, team_id),
            "maturity": company.get_alignment_maturity(
                date_from=start.date(), date_to=(end - relativedelta(days=1)).date(), team_id=team_id),
        }

    @api.model
    def _default_team_id(self):
        """A team leader's dashboard opens on their team; marketing and sales managers on all teams."""
        user = self.env.user
        if user.has_group(MARKETING_GROUP) or user.has_group("sales_team.group_sale_manager"):
            return False
        return self.env["crm.team"].search([("user_id", "=", user.id)], limit=1).id or False

    @api.model
    def action_open_metric(self, key, period="month", team_id=False, date_from=False, date_to=False,
                           user_id=False, extra=False):
        """The window action opening the records behind the number ``key``
        of the dashboard, already filtered (period, team, and ``user_id`` for
        a rep's row, ``extra`` for a category or campaign)."""
        if key in PLAN_FIGURES or key.startswith(("plan_actual_", "plan_history_")):
            return self._plan_figure_action(key, extra)
        start, end = self._period_bounds(period, date_from, date_to)
        metrics = self._metrics(start, end, team_id or False)
        if key not in metrics:
            raise UserError(_("The dashboard has no number called \"%(key)s\".", key=key))
        model, domain, label = metrics[key][:3]
        domain = list(domain)
        if user_id:
            domain.append(("user_id", "=", user_id or False))
        if extra and key == "feedback":
            domain.append(("category", "=", extra))
        elif extra and key in ("campaign_revenue", "attributed"):
            domain.append(("campaign_id", "=", int(extra)))
        context = {"active_test": False} if model == "crm.lead" and key not in (
            "nurture", "waiting_acceptance", "without_tasks") else {}
        return {
            "type": "ir.actions.act_window",
            "name": label,
            "res_model": model,
            "views": DRILL_VIEWS.get(model, LEAD_VIEWS),
            "domain": domain,
            "context": context,
            "target": "current",
        }

    @api.model
    def _plan_figure_action(self, key, plan_id):
        """A figure of the funnel plan on the dashboard (``extra``: the plan):
        ``plan_won`` (won so far, projected), ``plan_gap`` (the bottleneck's
        leads that did not go further), ``plan_actual_<stage>`` and
        ``plan_history_<stage>`` (needed: the look-back leads its rate is
        measured on)."""
        plan = self.env["crm.funnel.plan"].browse(int(plan_id or 0)).exists()
        if not plan:
            raise UserError(_("This funnel plan no longer exists: reload the dashboard."))
        if key == "plan_won":
            return plan._figure_action(False, "won")
        if key == "plan_gap":
            if not plan.bottleneck_stage:
                raise UserError(_("The plan \"%(plan)s\" has no bottleneck now.", plan=plan.name))
            return plan._figure_action(plan.bottleneck_stage, "gap")
        which, stage = key[len("plan_"):].split("_", 1)
        if stage not in FUNNEL_STAGES:
            raise UserError(_("The dashboard has no number called \"%(key)s\".", key=key))
        return plan._figure_action(stage, which)

    # ------------------------------------------------------------
    # METRICS: one definition for the number and its drill-down
    # ------------------------------------------------------------

    @api.model
    def _period_bounds(self, period, date_from=False, date_to=False):
        """(start, end) naive UTC datetimes of the period, end excluded."""
        today = fields.Date.context_today(self)
        if period == "month":
            first = today.replace(day=1)
            last = first + relativedelta(months=1)
        elif period == "quarter":
            first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
            last = first + relativedelta(months=3)
        elif period == "year":
            first = date(today.year, 1, 1)
            last = first + relativedelta(years=1)
        elif period == "custom":
            if not date_from or not date_to:
                raise UserError(_("Pick the first and the last day of the custom period."))
            first = fields.Date.to_date(date_from)
            last = fields.Date.to_date(date_to) + relativedelta(days=1)
            if last <= first:
                raise UserError(_("The custom period ends before it starts: swap the two dates."))
        else:
            raise UserError(_("Unknown period \"%(period)s\": month, quarter, year or custom.", period=period))
        return datetime.combine(first, time.min), datetime.combine(last, time.min)

    @api.model
    def _metrics(self, start, end, team_id):
        """{key: (model, domain, label[, active_test])} of every number of
        the dashboard, for the period [start, end) and the team."""
        company = [("company_id", "=", self.env.company.id)]
        team = company + ([("team_id", "=", team_id)] if team_id else [])
        labels = dict(LIFECYCLE_STAGES)

        def between(name):
            return [(name, ">=", start), (name, "<", end)]

        def reached(stage):
            return between(f"date_reached_{stage}")

        metrics = {
            "inquiries": ("crm.lead", team + reached("inquiry"), _("Inquiries")),
            "leads": ("crm.lead", team + reached("lead"), _("Leads")),
            "mqls": ("crm.lead", team + reached("mql"), _("MQLs")),
            "customers": ("crm.lead", team + reached("customer"), _("New Customers")),
            # Won deals: won now (Odoo's won stage, as campaign attribution
            # counts them), by their won date (MISSION: sales cycle = won date
            # - date it became an opportunity), not by the first time the
            # lifecycle reached Customer (an install dates that at creation).
            "won_deals": ("crm.lead", team + [("active", "=", True), ("stage_id.is_won", "=", True),
                                              ("probability", "=", 100)] + between("date_closed"),
                          _("Won Deals")),
            "handed_off": ("crm.lead", team + between("date_handoff"), _("Handed to Sales")),
            "accepted": ("crm.lead", team + between("date_handoff") + [("date_accepted", "!=", False)],
                         _("Accepted by Sales")),
            "nurture": ("crm.lead", team + [("lifecycle_stage", "=", "nurture")], _("Nurture Queue")),
            "waiting_acceptance": ("crm.lead", team + [("lifecycle_stage", "=", "mql")],
                                   _("Waiting for Acceptance")),
            # as CRM > Alignment > Reporting > Leads Without Tasks
            "without_tasks": ("crm.lead", team + [("activity_ids", "=", False), ("user_id", "!=", False),
                                                  ("probability", "<", 100)], _("Leads Without Tasks")),
            "campaign_cost": ("utm.campaign", [("cost_date", ">=", start.date()), ("cost_date", "<", end.date()),
                                               ("cost", ">", 0)], _("Campaign Costs")),
            "attributed": ("crm.attribution.report", team + [("is_company_model", "=", True)] + between("date"),
                           _("Won Revenue by Campaign")),
            "campaign_revenue": ("crm.attribution.report",
                                 team + [("is_company_model", "=", True), ("attributed", "=", True)]
                                 + between("date"), _("Attributed Revenue")),
            "feedback": ("crm.feedback.report", team + between("date"), _("Sales Feedback")),
            "sla": ("crm.sla.report", team + between("date_open"), _("Follow-up Compliance")),
            "rep_quality": ("crm.rep.quality.report", team + between("date"), _("Rep Performance")),
            # A rep's row (with user_id): the rows each of its numbers averages or counts.
            "rep_calls": ("crm.rep.quality.report", team + between("date") + [("call_count", "=", 1)],
                          _("Calls and Meetings Done")),
            "rep_response": ("crm.rep.quality.report", team + between("date") + [("responded", "=", True)],
                             _("Response Times")),
            "rep_accepted": ("crm.rep.quality.report", team + between("date") + [("handed_off", "=", True)],
                             _("Leads Handed to the Rep")),
            "rep_assigned": ("crm.rep.quality.report", team + between("date") + [("lead_count", "=", 1)],
                             _("Leads Assigned in the Period")),
            "scored": ("crm.score.report", team + between("create_date"), _("Won Rate by Grade")),
            "closed": ("crm.lead.lifecycle.history", team + between("date") + [
                "|", ("to_stage", "=", "disqualified"), "&", ("from_stage", "=", "mql"), ("reason_id", "!=", False)],
                _("Lost and Rejected Leads")),
        }
        for index, stage in enumerate(FUNNEL_STAGES[:-1]):
            following = FUNNEL_STAGES[index + 1]
            metrics[f"entered_{stage}"] = ("crm.lead", team + reached(stage), _(
                "Entered %(stage)s", stage=labels[stage]))
            metrics[f"converted_{stage}"] = ("crm.lead", team + reached(stage) + [
                (f"date_reached_{following}", "!=", False)],
                _("%(stage)s to %(next)s", stage=labels[stage], next=labels[following]))
        return metrics

    @api.model
    def _won_figures(self, metrics):
        """Count, revenue and average cycles (days from SQL, from creation) of
        the won deals of ``metrics`` (``won_deals``), in one query with the
        reader's record rules: what the number's drill-down lists."""
        Lead = self.env["crm.lead"].with_context(active_test=False)
        Lead.flush_model(["date_closed", "date_reached_sql", "expected_revenue", "stage_id", "probability"])
        query = Lead._search(metrics["won_deals"][1])

        def col(name):
            return SQL.identifier(query.table, name)

        [[count, revenue, cycle, cycle_created]] = self.env.execute_query(query.select(
            SQL("COUNT(*)"), SQL("SUM(COALESCE(%s, 0))", col("expected_revenue")),
            SQL("AVG(EXTRACT(EPOCH FROM %s - %s) / 86400)", col("date_closed"), col("date_reached_sql")),
            SQL("AVG(EXTRACT(EPOCH FROM %s - %s) / 86400)", col("date_closed"), col("create_date"))))
        return count, float(revenue or 0.0), _number(cycle), _number(cycle_created)

    @api.model
    def _conversion_counts(self, start, end, team_id):
        """{stage: (entered, converted)} for every funnel step, the counts of
        the ``entered_<stage>`` and ``converted_<stage>`` metrics, in one
        query (COUNT FILTER over the leads that reached any stage in the
        period, with the reader's record rules) instead of two per stage."""
        metrics = self._metrics(start, end, team_id)
        steps = FUNNEL_STAGES[:-1]
        Lead = self.env["crm.lead"].with_context(active_test=False)
        Lead.flush_model(["date_reached_%s" % stage for stage in FUNNEL_STAGES])
        query = Lead._search(expression.OR([metrics[f"entered_{stage}"][1] for stage in steps]))

        def within(stage):
            column = SQL.identifier(query.table, f"date_reached_{stage}")
            return SQL("%s >= %s AND %s < %s", column, start, column, end)

        aggregates = []
        for index, stage in enumerate(steps):
            following = SQL.identifier(query.table, f"date_reached_{FUNNEL_STAGES[index + 1]}")
            aggregates.append(SQL("COUNT(*) FILTER (WHERE %s)", within(stage)))
            aggregates.append(SQL("COUNT(*) FILTER (WHERE %s AND %s IS NOT NULL)", within(stage), following))
        row = list(self.env.execute_query(query.select(*aggregates))[0])
        return {stage: (row[2 * index], row[2 * index + 1]) for index, stage in enumerate(steps)}

    @api.model
    def _count(self, metrics, key):
        model, domain = metrics[key][:2]
        Model = self.env[model]
        if model == "crm.lead" and key not in ("nurture", "waiting_acceptance", "without_tasks"):
            Model = Model.with_context(active_test=False)  # lost leads count in the funnel
        return Model.search_count(domain)

    @api.model
    def _flush_reports(self):
        # The reports are views over these models: write pending changes first.
        for model in ("crm.lead", "crm.lead.lifecycle.history", "crm.touchpoint", "mail.activity",
                      "mail.message", "crm.message.use", "crm.content.share", "res.company"):
            self.env[model].flush_model()

    @api.model
    def _campaign_costs(self, metrics):
        """{campaign: cost} of the costs entered in the period, in the
        company's currency; None for users who may not see costs (campaign
        costs are marketing's). Costs only: the campaigns' all-time economics
        (every won deal credited) are not read here."""
        if not self.env.user.has_group(MARKETING_GROUP):
            return None
        model, domain = metrics["campaign_cost"][:2]
        return {campaign: campaign.cost_company_currency for campaign in self.env[model].search(domain)}

    @api.model
    def _marketing_data(self, start, end, team_id):
        self._flush_reports()
        metrics = self._metrics(start, end, team_id)
        counts = {key: self._count(metrics, key) for key in (
            "inquiries", "leads", "mqls", "customers", "handed_off", "accepted", "nurture")}
        costs = self._campaign_costs(metrics)
        cost = sum(costs.values()) if costs is not None else None
        # One pass over the attribution report (a heavy view): revenue credited per campaign.
        by_campaign = self.env["crm.attribution.report"]._read_group(
            metrics["campaign_revenue"][1], ["campaign_id"], ["revenue:sum"])
        attributed = sum(revenue for _campaign, revenue in by_campaign)
        campaigns = []
        for campaign, revenue in sorted(
                ((campaign, revenue) for campaign, revenue in by_campaign if campaign),
                key=lambda pair: (-pair[1], pair[0].id))[:5]:
            row = {"id": campaign.id, "name": campaign.display_name, "revenue": revenue}
            if costs is not None:
                # The period's ROI, as the headline's: attributed revenue of
                # the period against the cost entered in it (None without).
                spent = costs.get(campaign)
                row.update(cost=spent, roi=(revenue - spent) / spent * 100 if spent else None)
            campaigns.append(row)
        # Feedback reasons: this period against the previous one of the same length.
        Feedback = self.env["crm.feedback.report"]
        current = dict(Feedback._read_group(metrics["feedback"][1], ["category"], ["__count"]))
        previous_metrics = self._metrics(start - (end - start), start, team_id)
        previous = dict(Feedback._read_group(previous_metrics["feedback"][1], ["category"], ["__count"]))
        feedback = [{"category": key, "name": label, "count": current.get(key, 0), "previous": previous.get(key, 0)}
                    for key, label in FEEDBACK_CATEGORIES if current.get(key) or previous.get(key)]
        return {
            **counts,
            "sal_rate": _rate(counts["accepted"], counts["handed_off"]),
            "cost": cost,
            "cost_per_lead": cost / counts["leads"] if cost is not None and counts["leads"] else None,
            "cost_per_customer": cost / counts["customers"] if cost is not None and counts["customers"] else None,
            "attributed_revenue": attributed,
            "roi": (attributed - cost) / cost * 100 if cost else None,
            "attribution_model": dict(self.env["res.company"]._fields["attribution_model"]._description_selection(
                self.env))[self.env.company.attribution_model],
            "campaigns": campaigns,
            "feedback": feedback,
        }

    @api.model
    def _sales_data(self, start, end, team_id):
        self._flush_reports()
        metrics = self._metrics(start, end, team_id)
        counts = {"waiting_acceptance": self._count(metrics, "waiting_acceptance")}
        # Follow-up SLA: share on time (met / met or breached) and median response.
        Sla = self.env["crm.sla.report"]
        [[on_time, rated]] = Sla._read_group(
            metrics["sla"][1] + [("sla_status", "in", ("met", "breached"))], [], ["on_time_rate:avg", "__count"])
        query = Sla._search(metrics["sla"][1] + [("date_first_touch", "!=", False)])
        [[median]] = self.env.execute_query(query.select(SQL(
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", SQL.identifier(query.table, "response_hours"))))
        # Conversion by lifecycle stage, for the leads that entered each stage in the period.
        labels = dict(LIFECYCLE_STAGES)
        conversion = []
        counts_by_stage = self._conversion_counts(start, end, team_id)
        for index, stage in enumerate(FUNNEL_STAGES[:-1]):
            entered, converted = counts_by_stage[stage]
            conversion.append({"stage": stage, "name": labels[stage], "next": labels[FUNNEL_STAGES[index + 1]],
                               "entered": entered, "converted": converted, "rate": _rate(converted, entered)})
        # Sales cycle and revenue of the deals won in the period (by won date).
        won_count, won_revenue, cycle, cycle_created = self._won_figures(metrics)
        # Per rep (Figure 4): activities, response, acceptance, conversion, won revenue; leads without tasks.
        reps = {}

        def rep(user):
            return reps.setdefault(user.id, {
                "user_id": user.id, "name": user.name, "calls": 0, "response_hours": None, "accepted_rate": None,
                "conversion_rate": None, "won_revenue": 0.0, "without_tasks": 0})

        for user, calls, response, accepted, converted in self.env["crm.rep.quality.report"]._read_group(
                metrics["rep_quality"][1] + [("user_id", "!=", False)], ["user_id"],
                ["call_count:sum", "response_hours:avg", "accepted_rate:avg", "conversion_rate:avg"]):
            rep(user).update(calls=calls, response_hours=_value(response), accepted_rate=_value(accepted),
                             conversion_rate=_value(converted))
        for user, revenue in self.env["crm.lead"].with_context(active_test=False)._read_group(
                metrics["won_deals"][1] + [("user_id", "!=", False)], ["user_id"], ["expected_revenue:sum"]):
            rep(user)["won_revenue"] = revenue
        # Leads without tasks are assigned ones: their total is the sum per rep (one query).
        counts["without_tasks"] = 0
        for user, count in self.env["crm.lead"]._read_group(metrics["without_tasks"][1], ["user_id"], ["__count"]):
            rep(user)["without_tasks"] = count
            counts["without_tasks"] += count
        return {
            **counts,
            "sla_compliance": _value(on_time) if rated else None,
            "sla_rated": rated,
            "median_response_hours": median,
            "conversion": conversion,
            "won_count": won_count,
            "won_revenue": won_revenue,
            "cycle_days": cycle,
            "cycle_days_created": cycle_created,
            "reps": sorted(reps.values(), key=lambda row: row["name"]),
        }

    @api.model
    def _plan_data(self, start, end, team_id):
        """The funnel plan of the company (and team) that covers the period's start, if any."""
        plan = self.env["crm.funnel.plan"].search([
            ("company_id", "=", self.env.company.id), ("team_id", "=", team_id or False),
            ("date_from", "<", end.date()), ("date_to", ">=", start.date()),
        ], order="date_from desc", limit=1)
        if not plan:
            return False
        return {
            "id": plan.id,
            "name": plan.name,
            "date_from": fields.Date.to_string(plan.date_from),
            "date_to": fields.Date.to_string(plan.date_to),
            "revenue_goal": plan.revenue_goal,
            "projected_revenue": plan.projected_revenue,
            "actual_revenue": plan.actual_revenue,
            "leads_needed": plan.leads_needed,
            "bottleneck": plan.bottleneck_stage and dict(
                plan._fields["bottleneck_stage"]._description_selection(self.env))[plan.bottleneck_stage],
            "gap_leads": plan.bottleneck_gap_leads,
            "gap_revenue": plan.bottleneck_gap_revenue,
            "warning": plan.warning,
            "lines": {line.stage: {"required": line.required_count, "actual": line.actual_count,
                                   "projected": line.projected_count} for line in plan.line_ids},
        }


def _value(value):
    """An aggregate, or None when nothing was aggregated (the ORM says False)."""
    return None if value is False or value is None else value


def _number(value):
    """A SQL aggregate as a float, None when there was nothing to aggregate."""
    return None if value is None else float(value)


def _rate(numerator, denominator):
    """Percentage, or None (not 0) when there is nothing to divide."""
    return numerator * 100.0 / denominator if denominator else None
