# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import bisect
from collections import defaultdict
from datetime import datetime, timedelta

import pytz
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.domain import eval_domain
from .crm_lead_routing_log import ROUTING_OUTCOMES

LIFECYCLE_STAGES = [
    ("inquiry", "Inquiry"),
    ("lead", "Lead"),
    ("mql", "MQL"),
    ("sal", "SAL"),
    ("sql", "SQL"),
    ("customer", "Customer"),
    ("nurture", "Nurture"),
    ("disqualified", "Disqualified"),
]
BUYING_ROLES = [
    ("decision_maker", "Decision maker"),
    ("budget_holder", "Budget holder"),
    ("influencer", "Influencer"),
    ("evaluator", "Evaluator"),
    ("end_user", "End user"),
    ("unknown", "Unknown"),
]
BUDGET_STATUSES = [
    ("formal", "Formal"),
    ("informal", "Informal"),
    ("none", "None"),
    ("unknown", "Unknown"),
]
EVALUATION_TIMEFRAMES = [
    ("under_1_month", "Under 1 month"),
    ("1_3_months", "1-3 months"),
    ("3_6_months", "3-6 months"),
    ("6_12_months", "6-12 months"),
    ("over_12_months", "Over 12 months"),
    ("unknown", "Unknown"),
]
COMPANY_SIZES = [
    ("1_10", "1-10 employees"),
    ("11_50", "11-50 employees"),
    ("51_200", "51-200 employees"),
    ("201_1000", "201-1,000 employees"),
    ("1001_5000", "1,001-5,000 employees"),
    ("over_5000", "Over 5,000 employees"),
    ("unknown", "Unknown"),
]
# Fields the lead definition is most often written on: the form recomputes
# completeness live when they change (criteria may read any other field too).
DEFINITION_DEPENDS = [
    "buying_role", "budget_status", "evaluation_timeframe", "purchase_trigger_id",
    "company_size", "industry_id", "lead_properties", "partner_id", "country_id",
    "state_id", "expected_revenue", "tag_ids", "email_from", "phone", "team_id",
    "user_id", "source_id", "medium_id", "campaign_id", "company_id",
]
SLA_STATUSES = [
    ("none", "No SLA"),
    ("on_track", "On track"),
    ("due_soon", "Due soon"),
    ("breached", "Breached"),
    ("met", "Met"),
]
DUE_SOON_SHARE = 0.25  # "due soon" when less than a quarter of the SLA time is left
HANDOFF_STAGES = ("lead", "nurture")
GRADES = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")]
# Routing decides for leads sales has not accepted yet.
ROUTABLE_STAGES = ("inquiry", "lead", "mql", "nurture")
# Open leads the scoring job rescores daily (decay) and after rule changes.
CLOSED_STAGES = ("customer", "disqualified")
REJECT_STAGES = ("nurture", "disqualified")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Qualification profile (paper 000: "What is a Lead?")
    buying_role = fields.Selection(BUYING_ROLES, default="unknown", tracking=True)
    budget_status = fields.Selection(BUDGET_STATUSES, default="unknown", tracking=True)
    evaluation_timeframe = fields.Selection(
        EVALUATION_TIMEFRAMES, string="Evaluation Time Frame", default="unknown", tracking=True,
    )
    purchase_trigger_id = fields.Many2one(
        "crm.purchase.trigger", index="btree_not_null", tracking=True, ondelete="restrict",
    )
    company_size = fields.Selection(COMPANY_SIZES, default="unknown")
    industry_id = fields.Many2one(
        "res.partner.industry", compute="_compute_industry_id", store=True, readonly=False,
        index="btree_not_null",
    )

    # Universal lead definition, evaluated live against the company's criteria
    meets_definition = fields.Boolean(
        compute="_compute_definition", search="_search_meets_definition",
        help="The lead meets every must-have criterion of the lead definition.",
    )
    definition_completeness = fields.Float(
        string="Definition Completeness", compute="_compute_definition",
        help="Share of the lead definition's criteria (must-have and nice-to-have) this lead meets, in %.",
    )
    definition_must_met = fields.Integer(compute="_compute_definition")
    definition_must_count = fields.Integer(compute="_compute_definition")
    definition_nice_met = fields.Integer(compute="_compute_definition")
    definition_nice_count = fields.Integer(compute="_compute_definition")
    definition_missing_ids = fields.Many2many(
        "crm.lead.definition.criterion", string="Missing Criteria", compute="_compute_definition",
    )
    definition_summary = fields.Char(compute="_compute_definition")

    # Lifecycle, separate from the pipeline stage
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES, default="lead", required=True, index=True, copy=False,
        group_expand="_group_expand_lifecycle_stage",
        help="Inquiry: responded, does not meet the must-haves. Lead: meets them. "
        "MQL: handed to sales. SAL: a rep accepted it. SQL: converted to an opportunity. "
        "Customer: won. Nurture: returned to marketing. Disqualified: closed as not a fit.",
    )
    lifecycle_history_ids = fields.One2many("crm.lead.lifecycle.history", "lead_id", string="Lifecycle History")
    date_handoff = fields.Datetime("Hand-off Date", copy=False, readonly=True)
    date_accepted = fields.Datetime("Acceptance Date", copy=False, readonly=True)
    handoff_reject_reason_id = fields.Many2one(
        "crm.lost.reason", string="Rejection Reason", copy=False, readonly=True, ondelete="restrict",
    )
    reengage_date = fields.Date(
        "Re-engage On", copy=False, index="btree_not_null",
        help="Set when sales returns the lead to nurture with a reason that has a re-engage "
        "delay: the lead comes back to marketing's queue on that date.",
    )

    # Accountability: follow-up SLAs of the lead's team
    date_first_touch = fields.Datetime(
        "First Touch", copy=False, readonly=True,
        help="When the first activity on the lead was completed after its assignment.")
    date_feedback = fields.Datetime(
        "Feedback Date", copy=False, readonly=True,
        help="When sales answered the hand-off: accepted, rejected or closed the lead.")
    sla_first_touch_deadline = fields.Datetime(
        "First Touch Due", compute="_compute_sla_deadlines", store=True, copy=False)
    sla_feedback_deadline = fields.Datetime(
        "Feedback Due", compute="_compute_sla_deadlines", store=True, copy=False)
    sla_status = fields.Selection(
        SLA_STATUSES, string="SLA", compute="_compute_sla_status", store=True, index=True, copy=False,
        help="On track, due soon (a quarter of the time left), breached, or met. Kept current "
        "by the hourly SLA job for leads nobody touches.")
    sla_escalation_count = fields.Integer("SLA Escalations", copy=False, readonly=True)
    sla_escalated_on = fields.Datetime("Escalated On", copy=False, readonly=True)

    # One-click follow-ups the current user may apply
    quick_action_ids = fields.Many2many(
        "crm.quick.action", string="Quick Actions", compute="_compute_quick_action_ids",
    )

    # Explainable rule-based score (paper 000, "Define Quality"); Odoo's
    # predictive probability is left alone. Written by the scoring engine.
    fit_score = fields.Integer("Fit Score", readonly=True, copy=False, help="Points of the fit rules: who the lead is.")
    engagement_score = fields.Integer(
        "Engagement Score", readonly=True, copy=False,
        help="Points of the engagement rules, what the lead did, after decay.")
    score = fields.Integer(
        readonly=True, copy=False, index=True, aggregator="avg",
        help="Fit plus engagement. Reaching the company's sales-ready score hands the lead to sales.")
    grade = fields.Selection(
        GRADES, readonly=True, copy=False, index=True,
        help="Score band under the company's cut-offs (Settings): A is the best.")
    date_scored = fields.Datetime("Scored On", readonly=True, copy=False, index=True)
    score_rules_version = fields.Integer(
        "Scored With Version", readonly=True, copy=False,
        help="The company's scoring version (rules and cut-offs) this score was computed with.")
    score_line_ids = fields.One2many("crm.lead.score.line", "lead_id", string="Matched Scoring Rules", readonly=True)
    score_explanation = fields.Text(compute="_compute_score_explanation")

    # Routing by rules: the last decision, its log, and hand-made assignments
    routing_rule_id = fields.Many2one(
        "crm.routing.rule", string="Routing Rule", readonly=True, copy=False, index="btree_not_null",
        ondelete="set null")
    routing_state = fields.Selection(
        ROUTING_OUTCOMES, string="Routing", readonly=True, copy=False, index="btree_not_null",
        help="The last routing decision. \"No rule matched\": the lead waits, unassigned, for a rule.")
    date_routed = fields.Datetime("Routed On", readonly=True, copy=False)
    routing_log_ids = fields.One2many("crm.lead.routing.log", "lead_id", string="Routing Log", readonly=True)
    assignment_manual = fields.Boolean(
        "Assigned by Hand", copy=False,
        help="A person chose the salesperson: routing keeps it unless a rule says otherwise.")
    # Same field as Odoo's website_crm_partner_assign, so both work together.
    partner_assigned_id = fields.Many2one(
        "res.partner", "Assigned Partner", tracking=True, index="btree_not_null", copy=False,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Channel partner this lead has been forwarded to.")
    date_partner_assign = fields.Date("Partner Assignment Date", copy=False)

    @api.depends("partner_id")
    def _compute_industry_id(self):
        for lead in self:
            lead.industry_id = lead.partner_id.commercial_partner_id.industry_id or lead.industry_id

    @api.depends("date_open", "date_handoff", "team_id.sla_first_touch_hours", "team_id.sla_feedback_days",
                 "team_id.resource_calendar_id")
    def _compute_sla_deadlines(self):
        # Working-hour deadlines are planned per (calendar, hours) group, with one
        # read of the calendar's intervals for the whole group.
        groups = defaultdict(list)
        for lead in self:
            lead.sla_feedback_deadline = lead.date_handoff and lead.team_id and (
                lead.date_handoff + timedelta(days=lead.team_id.sla_feedback_days))
            lead.sla_first_touch_deadline = False
            if lead.date_open and lead.team_id:
                groups[lead._sla_calendar(), lead.team_id.sla_first_touch_hours].append(lead)
        for (calendar, hours), leads in groups.items():
            deadlines = self._sla_plan_working_hours(calendar, hours, [lead.date_open for lead in leads])
            for lead, deadline in zip(leads, deadlines):
                lead.sla_first_touch_deadline = deadline

    @api.depends("sla_first_touch_deadline", "sla_feedback_deadline", "date_first_touch", "date_feedback",
                 "active", "stage_id.is_won")
    def _compute_sla_status(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.sla_status = lead._sla_status_at(now)

    def _sla_status_at(self, now):
        """Status of the lead's two SLAs at ``now``: the worst one decides."""
        self.ensure_one()
        closed = not self.active or self.stage_id.is_won
        states = []
        for start, deadline, done in (
            (self.date_open, self.sla_first_touch_deadline, self.date_first_touch),
            (self.date_handoff, self.sla_feedback_deadline, self.date_feedback),
        ):
            if not deadline:
                continue
            if done:
                states.append("met" if done <= deadline else "breached")
            elif now > deadline:
                states.append("breached")
            elif closed:
                continue  # closed in time without the event: nothing owed any more
            elif (deadline - now) <= (deadline - start) * DUE_SOON_SHARE:
                states.append("due_soon")
            else:
                states.append("on_track")
        for status in ("breached", "due_soon", "on_track", "met"):
            if status in states:
                return status
        return "none"

    def _sla_calendar(self):
        """The team's working hours, else the company's (None: plain hours)."""
        return self.team_id.resource_calendar_id or self.company_id.resource_calendar_id \
            or self.env.company.resource_calendar_id or None

    @api.model
    def _sla_plan_working_hours(self, calendar, hours, starts):
        """``start + hours`` of working time for each of ``starts`` (naive UTC)."""
        if not calendar:
            return [start + timedelta(hours=hours) for start in starts]
        # Read the working intervals once for the whole group, from the earliest
        # start to well past the latest (two weeks plus a week per 8 hours).
        horizon = timedelta(days=14 + 7 * int(hours // 8 + 1))
        intervals = calendar._work_intervals_batch(
            pytz.utc.localize(min(starts)), pytz.utc.localize(max(starts) + horizon))[False]
        spans = [(begin.astimezone(pytz.utc).replace(tzinfo=None), end.astimezone(pytz.utc).replace(tzinfo=None))
                 for begin, end, _meta in intervals]
        ends = [end for _begin, end in spans]
        deadlines = []
        for start in starts:
            left, deadline = timedelta(hours=hours), None
            for begin, end in spans[bisect.bisect_right(ends, start):]:
                begin = max(begin, start)
                if end - begin >= left:
                    deadline = begin + left
                    break
                left -= end - begin
            deadlines.append(deadline or start + timedelta(hours=hours))
        return deadlines

    @api.depends_context("uid")
    def _compute_quick_action_ids(self):
        # One search for all the records shown: the user's own actions and the
        # ones shared with everyone or with a team they are in or lead.
        uid = self.env.uid
        actions = self.env["crm.quick.action"].search([
            "|", ("user_id", "=", uid),
            "&", ("user_id", "=", False),
            "|", "|", ("team_id", "=", False), ("team_id.member_ids", "in", [uid]), ("team_id.user_id", "=", uid),
        ])
        for lead in self:
            lead.quick_action_ids = actions.filtered(
                lambda action, lead=lead: not action.company_id or action.company_id == lead.company_id
                or not lead.company_id)

    @api.depends("score_line_ids.points", "fit_score", "engagement_score", "grade", "date_scored")
    def _compute_score_explanation(self):
        labels = dict(self._fields["grade"]._description_selection(self.env))
        for lead in self:
            if not lead.date_scored:
                lead.score_explanation = _("Not scored yet.")
                continue
            parts = [_("Score %(score)s = fit %(fit)s + engagement %(engagement)s, grade %(grade)s.",
                       score=lead.score, fit=lead.fit_score, engagement=lead.engagement_score,
                       grade=labels.get(lead.grade, "-"))]
            for line in lead.score_line_ids:
                if line.points != line.rule_points:
                    parts.append(_("%(rule)s: %(points)+d (%(base)+d, decayed since %(date)s)",
                                   rule=line.rule_id.name, points=line.points, base=line.rule_points,
                                   date=fields.Date.to_string(line.date_matched)))
                else:
                    parts.append(_("%(rule)s: %(points)+d", rule=line.rule_id.name, points=line.points))
            if not lead.score_line_ids:
                parts.append(_("No scoring rule matches this lead."))
            threshold = (lead.company_id or self.env.company).mql_threshold
            if threshold:
                parts.append(_("Sales-ready from %(threshold)s.", threshold=threshold))
            lead.score_explanation = "\n".join(parts)

    @api.depends(*DEFINITION_DEPENDS)
    def _compute_definition(self):
        Criterion = self.env["crm.lead.definition.criterion"]
        matches = self._definition_matches()
        for lead in self:
            rows, _must_fields = Criterion._get_definition(lead._definition_company_id())
            met = matches.get(lead.id, set())
            must = [cid for cid, req, _dom in rows if req == "must"]
            nice = [cid for cid, req, _dom in rows if req == "nice"]
            must_met = sum(1 for cid in must if cid in met)
            nice_met = sum(1 for cid in nice if cid in met)
            lead.definition_must_count = len(must)
            lead.definition_must_met = must_met
            lead.definition_nice_count = len(nice)
            lead.definition_nice_met = nice_met
            lead.meets_definition = must_met == len(must)
            lead.definition_completeness = 100.0 * (must_met + nice_met) / len(rows) if rows else 100.0
            lead.definition_missing_ids = [(6, 0, [cid for cid, _req, _dom in rows if cid not in met])]
            lead.definition_summary = _(
                "Must-have %(must_met)s of %(must)s, nice-to-have %(nice_met)s of %(nice)s",
                must_met=must_met, must=len(must), nice_met=nice_met, nice=len(nice),
            )

    def _search_meets_definition(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("The lead definition can only be searched as met or not met."))
        meets = expression.OR([
            expression.AND([scope, must or []])
            for scope, must in self._definition_scopes(self.env.companies)
        ])
        return meets if (operator == "=") == value else ["!"] + meets

    @api.model
    def _group_expand_lifecycle_stage(self, values, domain):
        return [key for key, _label in LIFECYCLE_STAGES]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("lifecycle_stage") for vals in vals_list):
            self._check_lifecycle_write()
        if not self.env.context.get("sma_routing"):
            # Choosing someone else as salesperson is a hand-made assignment;
            # the default (the creating user) is not.
            for vals in vals_list:
                if vals.get("user_id") not in (None, False, self.env.uid):
                    vals.setdefault("assignment_manual", True)
        leads = super().create(vals_list)
        leads._init_lifecycle([bool(vals.get("lifecycle_stage")) for vals in vals_list])
        leads._score_and_route_auto(set().union(*vals_list) if vals_list else set(), created=True)
        return leads

    def write(self, vals):
        if "user_id" in vals and not self.env.context.get("sma_routing"):
            vals = dict(vals, assignment_manual=bool(vals["user_id"]))
        if "lifecycle_stage" not in vals:
            res = super().write(vals)
            if not self.env.context.get("sma_lifecycle_initial"):
                self._sync_lifecycle(vals)
            self._score_and_route_auto(vals)
            return res
        self._check_lifecycle_write()
        previous = {lead.id: lead.lifecycle_stage for lead in self}
        # Leaving MQL is sales' answer to the hand-off: the feedback SLA is met.
        # In the same write when the whole batch leaves MQL (accept, reject).
        answered = self.browse() if vals["lifecycle_stage"] == "mql" else self.filtered(
            lambda lead: previous[lead.id] == "mql")
        if answered and answered == self and "date_feedback" not in vals:
            vals, answered = dict(vals, date_feedback=fields.Datetime.now()), self.browse()
        res = super().write(vals)
        if answered:
            answered.write({"date_feedback": fields.Datetime.now()})
        if not self.env.context.get("sma_lifecycle_initial"):
            self._log_lifecycle([
                (lead, previous[lead.id]) for lead in self if previous[lead.id] != vals["lifecycle_stage"]
            ])
        self._score_and_route_auto(vals)
        return res

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_set_lost(self, **additional_values):
        """Odoo's lost, then the follow-up of the codified reason (nurture, alert)."""
        reason = self.env["crm.lost.reason"].browse(additional_values.get("lost_reason_id")).exists()
        res = super(CrmLead, self.with_context(sma_lifecycle_reason_id=reason.id)).action_set_lost(
            **additional_values)
        if reason:
            self._apply_feedback_follow_up(reason, nurture=not self.env.context.get("sma_no_nurture"))
        return res

    def action_handoff_to_sales(self):
        """Hand leads to sales (lifecycle MQL). For marketing users and sales managers."""
        user = self.env.user
        if not (self.env.su or user.has_group("sales_marketing_alignment.group_alignment_marketing")
                or user.has_group("sales_team.group_sale_manager")):
            raise UserError(_("Only marketing users and sales managers can hand leads to sales."))
        for lead in self:
            if lead.lifecycle_stage == "inquiry":
                raise UserError(_(
                    "\"%(lead)s\" is still an inquiry: it misses %(missing)s. "
                    "Complete its qualification before handing it to sales.",
                    lead=lead.display_name, missing=", ".join(lead.definition_missing_ids.mapped("name")),
                ))
            if lead.lifecycle_stage not in HANDOFF_STAGES:
                raise UserError(_(
                    "\"%(lead)s\" is at stage %(stage)s: only leads at stage Lead or Nurture "
                    "can be handed to sales.", lead=lead.display_name, stage=lead._lifecycle_label(),
                ))
        # Nurtured leads that sales had closed come back to life when handed off again.
        self.filtered(lambda lead: not lead.active).action_unarchive()
        self._set_lifecycle_stage("mql", extra_vals=self._handoff_vals())
        return True

    @api.model
    def _handoff_vals(self):
        """What a hand-off to sales resets: a fresh feedback SLA and answer."""
        return {
            "date_handoff": fields.Datetime.now(), "date_accepted": False, "handoff_reject_reason_id": False,
            "reengage_date": False, "date_feedback": False,
        }

    def action_accept_handoff(self):
        """Accept handed-off leads (lifecycle SAL): their salesperson or that person's manager."""
        self._check_handoff_answer()
        self._set_lifecycle_stage("sal", extra_vals={"date_accepted": fields.Datetime.now()})
        return True

    def action_reject_handoff(self, reason_id, to_stage=None):
        """Reject handed-off leads with a reason (a crm.lost.reason id). They go
        where the reason's follow-up says (nurture, or disqualified: marked lost
        with the reason), unless ``to_stage`` ('nurture' or 'disqualified') says
        otherwise; an alerting reason also alerts management."""
        reason = self.env["crm.lost.reason"].browse(reason_id).exists() if reason_id else None
        if not reason:
            raise UserError(_("Choose why you reject the lead from the list of reasons."))
        to_stage = to_stage or ("nurture" if reason.follow_up == "nurture" else "disqualified")
        if to_stage not in REJECT_STAGES:
            raise UserError(_("A rejected lead goes back to Nurture or to Disqualified."))
        self._check_handoff_answer()
        lead_self = self.with_context(sma_lifecycle_reason_id=reason.id)
        lead_self.write({"handoff_reject_reason_id": reason.id})
        if to_stage == "nurture":
            lead_self._apply_feedback_follow_up(reason, force_nurture=True)
        else:
            lead_self.with_context(sma_no_nurture=True).action_set_lost(lost_reason_id=reason.id)
        return True

    def action_open_handoff_reject(self):
        self._check_handoff_answer()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject hand-off"),
            "res_model": "crm.lead.handoff.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids},
        }

    # ------------------------------------------------------------
    # SLA JOB
    # ------------------------------------------------------------

    @api.model
    def _cron_sla_check(self, batch_size=1000):
        """Hourly: refresh the SLA statuses time has changed, escalate new breaches
        to the team leader, reassign leads breached twice where the team asks for
        it. Idempotent (a lead is escalated once per breach level), batched, and
        robust to leads deleted or reassigned meanwhile: every step re-reads state."""
        now = fields.Datetime.now()
        pending = self.search([("sla_status", "in", ("on_track", "due_soon"))])
        self.env.add_to_compute(self._fields["sla_status"], pending)
        pending.flush_recordset(["sla_status"])
        to_escalate = self.search([
            ("sla_status", "=", "breached"), ("sla_escalation_count", "=", 0), ("active", "=", True),
        ], limit=batch_size)
        to_escalate._sla_escalate()
        second = self.search([
            ("sla_status", "=", "breached"), ("sla_escalation_count", "=", 1), ("active", "=", True),
            ("date_first_touch", "=", False), ("team_id.sla_reassign_on_breach", "=", True),
        ], limit=batch_size)
        # Breached a second time: one more SLA period has passed since the escalation.
        second.filtered(
            lambda lead: lead.sla_first_touch_deadline and lead.date_open and lead.sla_escalated_on
            and now > lead.sla_escalated_on + (lead.sla_first_touch_deadline - lead.date_open)
        )._sla_reassign()
        remaining = self.search_count([
            ("sla_status", "=", "breached"), ("sla_escalation_count", "=", 0), ("active", "=", True)])
        self.env["ir.cron"]._notify_progress(done=len(to_escalate) + len(second), remaining=remaining)

    def _sla_escalate(self):
        """A To-Do for the team leader of each breached lead, in one create."""
        leads = self.exists().filtered(lambda lead: lead.sla_escalation_count == 0)
        model_id = self.env["ir.model"]._get_id(self._name)
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.env["mail.activity"].sudo().create([{
            "res_model_id": model_id, "res_id": lead.id, "activity_type_id": todo.id,
            "user_id": lead.team_id.user_id.id,
            "summary": _("SLA breached: %(salesperson)s has not followed up", salesperson=lead.user_id.name or "-"),
        } for lead in leads if lead.team_id.user_id])
        leads.sudo().write({"sla_escalation_count": 1, "sla_escalated_on": fields.Datetime.now()})

    def _sla_reassign(self):
        """Give leads breached twice to the team member with the fewest open leads."""
        leads = self.exists().filtered(lambda lead: lead.sla_escalation_count == 1 and not lead.date_first_touch)
        open_counts = dict(self._read_group(
            [("user_id", "in", leads.team_id.member_ids.ids), ("active", "=", True), ("probability", "<", 100)],
            ["user_id"], ["__count"]))
        by_user = defaultdict(lambda: self.browse())
        for lead in leads:
            members = lead.team_id.member_ids - lead.user_id
            if not members:
                continue
            user = min(members, key=lambda member: (open_counts.get(member, 0), member.id))
            open_counts[user] = open_counts.get(user, 0) + 1
            by_user[user] |= lead
        for user, user_leads in by_user.items():
            user_leads.sudo().write({"user_id": user.id, "sla_escalation_count": 2})

    # ------------------------------------------------------------
    # FEEDBACK FOLLOW-UP
    # ------------------------------------------------------------

    def _apply_feedback_follow_up(self, reason, nurture=True, force_nurture=False):
        """Run what a codified reason asks for: back to nurture with a re-engage
        date, or an alert to management. Closing needs nothing more."""
        if force_nurture or (nurture and reason.follow_up == "nurture"):
            reengage = reason.reengage_days and fields.Date.context_today(self) + timedelta(days=reason.reengage_days)
            self.with_context(sma_lifecycle_reason_id=reason.id)._set_lifecycle_stage(
                "nurture", extra_vals={"reengage_date": reengage or False})
        if reason.follow_up == "alert":
            self._alert_management(reason)

    def _alert_management(self, reason):
        """An activity for the reason's alert user, or a message to its alert group."""
        summary = _("Feedback: %(reason)s", reason=reason.name)
        if reason.alert_user_id:
            model_id = self.env["ir.model"]._get_id(self._name)
            self.env["mail.activity"].sudo().create([{
                "res_model_id": model_id, "res_id": lead.id, "user_id": reason.alert_user_id.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": summary,
                "note": _("%(user)s closed this lead with the reason \"%(reason)s\".",
                          user=self.env.user.name, reason=reason.name),
            } for lead in self])
        elif reason.alert_group_id:
            partners = reason.alert_group_id.sudo().users.partner_id
            for lead in self:  # one notification per lead: alerts are rare and addressed
                lead.sudo().message_post(
                    body=_("%(user)s closed this lead with the reason \"%(reason)s\".",
                           user=self.env.user.name, reason=reason.name),
                    subject=summary, partner_ids=partners.ids, subtype_xmlid="mail.mt_note",
                )

    # ------------------------------------------------------------
    # LIFECYCLE ENGINE
    # ------------------------------------------------------------

    def _lifecycle_label(self):
        return dict(self._fields["lifecycle_stage"]._description_selection(self.env))[self.lifecycle_stage]

    def _check_lifecycle_write(self):
        """Lifecycle moves go through the actions, which check who may do what;
        alignment managers may still correct a stage by hand (imports, fixes)."""
        if (self.env.su or self.env.context.get("sma_lifecycle_ok")
                or self.env.user.has_group("sales_marketing_alignment.group_alignment_manager")):
            return
        raise UserError(_(
            "The lifecycle stage follows the lead definition, hand-offs and Odoo's own "
            "conversion and won/lost: use the Hand off, Accept and Reject buttons."
        ))

    def _check_handoff_answer(self):
        not_handed = self.filtered(lambda lead: lead.lifecycle_stage != "mql")
        if not_handed:
            raise UserError(_(
                "\"%(lead)s\" was not handed off to sales (stage %(stage)s): only MQLs can be "
                "accepted or rejected.", lead=not_handed[0].display_name, stage=not_handed[0]._lifecycle_label(),
            ))
        user = self.env.user
        if self.env.su or user.has_group("sales_team.group_sale_manager"):
            return
        for lead in self:
            if user not in (lead.user_id | lead.team_id.user_id):
                raise UserError(_(
                    "Only the salesperson of \"%(lead)s\" (%(salesperson)s) or their sales manager "
                    "can accept or reject it.",
                    lead=lead.display_name, salesperson=lead.user_id.name or _("nobody yet"),
                ))

    def _set_lifecycle_stage(self, stage, extra_vals=None):
        """Move leads to ``stage`` in one write per stage (history and chatter follow)."""
        leads = self.filtered(lambda lead: lead.lifecycle_stage != stage)
        if extra_vals:
            (self - leads).with_context(sma_lifecycle_ok=True).write(extra_vals)
        if leads:
            leads.with_context(sma_lifecycle_ok=True).write(dict(extra_vals or {}, lifecycle_stage=stage))

    def _log_lifecycle(self, moves, initial=False):
        """One history row per (lead, previous stage) move, in one insert, and
        unless initial or silent, one chatter line per lead with the change
        tracked like any tracked field (one insert for all messages)."""
        if not moves:
            return
        reason_id = self.env.context.get("sma_lifecycle_reason_id") or False
        self.env["crm.lead.lifecycle.history"].sudo().create([{
            "lead_id": lead.id,
            "from_stage": False if initial else previous,
            "to_stage": lead.lifecycle_stage,
            "user_id": self.env.uid,
            "company_id": lead.company_id.id,
            "team_id": lead.team_id.id,
            "salesperson_id": lead.user_id.id,
            "reason_id": reason_id,
        } for lead, previous in moves])
        if initial or self.env.context.get("sma_lifecycle_silent"):
            return
        Tracking = self.env["mail.tracking.value"]
        field_info = self.fields_get(["lifecycle_stage"])["lifecycle_stage"]
        author = self.env.user.partner_id
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        reply_to = self._chatter_reply_to([lead.id for lead, _previous in moves], author)
        messages = self.env["mail.message"].sudo().create([{
            "model": self._name,
            "res_id": lead.id,
            "message_type": "notification",
            "subtype_id": note,
            "is_internal": True,
            "author_id": author.id,
            "email_from": author.email_formatted,
            "reply_to": reply_to[lead.id],
        } for lead, _previous in moves])
        # The tracking values in one insert too, not one per message.
        Tracking.sudo().create([
            dict(Tracking._create_tracking_values(previous, lead.lifecycle_stage, "lifecycle_stage", field_info, lead),
                 mail_message_id=message.id)
            for (lead, previous), message in zip(moves, messages)
        ])

    def _base_lifecycle_stage(self):
        """Where Odoo's own state puts a lead, or None when the definition decides."""
        self.ensure_one()
        if not self.active:
            return "customer" if self.probability == 100 and self.stage_id.is_won else "disqualified"
        if self.stage_id.is_won and self.type == "opportunity":
            return "customer"
        if self.type == "opportunity":
            return "sql"
        return None

    def _init_lifecycle(self, explicit):
        """Initial stage of new leads, and their first history row."""
        targets = defaultdict(list)
        to_check = self.browse()
        for lead, has_stage in zip(self, explicit):
            if has_stage:
                continue
            base = lead._base_lifecycle_stage()
            if base:
                targets[base].append(lead.id)
            else:
                to_check |= lead
        for company_id, leads in to_check.grouped(lambda lead: lead._definition_company_id()).items():
            must = self.env["crm.lead.definition.criterion"]._get_must_domain(company_id)
            meeting = leads._filter_domain_batch(must) if must else leads
            targets["lead"].extend(meeting.ids)
            targets["inquiry"].extend((leads - meeting).ids)
        initial = self.with_context(sma_lifecycle_initial=True, sma_lifecycle_ok=True)
        for stage, ids in targets.items():
            changed = initial.browse(ids).filtered(lambda lead: lead.lifecycle_stage != stage)
            if changed:
                changed.write({"lifecycle_stage": stage})
        self._log_lifecycle([(lead, False) for lead in self], initial=True)

    def _sync_lifecycle(self, vals):
        """After a write: follow Odoo's conversion, won/lost and restore, then
        the lead definition (only when a must-have reads a written field)."""
        targets = {}  # lead -> stage, or None when the definition decides
        if {"active", "type", "stage_id", "probability"} & set(vals):
            for lead in self:
                base = lead._base_lifecycle_stage()
                if base and base != lead.lifecycle_stage:
                    # a lost lead is disqualified when it is archived, not on probability edits
                    if base != "disqualified" or "active" in vals:
                        targets[lead] = base
                elif not base and lead.active and lead.lifecycle_stage in ("sql", "customer", "disqualified"):
                    targets[lead] = None  # restored, or turned back into a lead
        Criterion = self.env["crm.lead.definition.criterion"]
        candidates = self.filtered(
            lambda lead: targets.get(lead, "") is None
            or lead not in targets and lead.lifecycle_stage in ("inquiry", "lead")
        )
        for company_id, leads in candidates.grouped(lambda lead: lead._definition_company_id()).items():
            _rows, must_fields = Criterion._get_definition(company_id)
            if not must_fields & set(vals):
                leads = leads.filtered(lambda lead: lead in targets)
            if not leads:
                continue
            must = Criterion._get_must_domain(company_id)
            meeting = leads._filter_domain_batch(must) if must else leads
            for lead in leads:
                targets[lead] = "lead" if lead in meeting else "inquiry"
        # Moves that follow Odoo's own conversion, won/lost and restore are
        # recorded in the history but not logged again in chatter: Odoo
        # already logs the event itself (stage, active, lost reason), and core
        # CRM pins the messages and tracking values of those events.
        by_stage = defaultdict(lambda: self.browse())
        for lead, stage in targets.items():
            definition_move = {stage, lead.lifecycle_stage} <= {"inquiry", "lead"}
            by_stage[stage, definition_move] |= lead
        for (stage, tracked), leads in by_stage.items():
            leads.with_context(sma_lifecycle_silent=not tracked)._set_lifecycle_stage(stage)

    @api.model
    def _sync_definition_lifecycle(self, companies):
        """After the definition changed: inquiries that now meet it become leads,
        leads that no longer do become inquiries. Two searches per company."""
        for scope, must in self._definition_scopes(companies):
            base = expression.AND([scope, [("type", "=", "lead"), ("active", "=", True)]])
            to_lead = expression.AND([base, [("lifecycle_stage", "=", "inquiry")], must or []])
            self.sudo().search(to_lead)._set_lifecycle_stage("lead")
            if must:
                to_inquiry = expression.AND([base, [("lifecycle_stage", "=", "lead")], ["!"] + must])
                self.sudo().search(to_inquiry)._set_lifecycle_stage("inquiry")

    @api.model
    def _lifecycle_init_existing(self):
        """Install: existing leads get the stage Odoo's state gives them (won,
        lost, opportunity, else lead: no definition exists yet) and a first
        history row dated at their creation. Set-based SQL: a database may
        hold millions of leads, and the ORM would write them one by one."""
        self.env.flush_all()
        self.env.cr.execute("""
            UPDATE crm_lead AS l
               SET lifecycle_stage = CASE
                       WHEN s.is_won AND l.probability = 100 THEN 'customer'
                       WHEN NOT l.active THEN 'disqualified'
                       WHEN l.type = 'opportunity' THEN 'sql'
                       ELSE 'lead' END
              FROM crm_lead AS l2
         LEFT JOIN crm_stage AS s ON s.id = l2.stage_id
             WHERE l2.id = l.id
        """)
        self.env.cr.execute("""
            INSERT INTO crm_lead_lifecycle_history
                   (lead_id, from_stage, to_stage, date, user_id, company_id, team_id, salesperson_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT l.id, NULL, l.lifecycle_stage, l.create_date, l.create_uid, l.company_id, l.team_id,
                   l.user_id, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM crm_lead AS l
             WHERE NOT EXISTS (SELECT 1 FROM crm_lead_lifecycle_history AS h WHERE h.lead_id = l.id)
        """, {"uid": self.env.uid})
        self.env.invalidate_all()

    # ------------------------------------------------------------
    # DEFINITION HELPERS
    # ------------------------------------------------------------

    def _definition_company_id(self):
        """Leads follow their company's definition; leads without one the current company's."""
        return self.company_id.id or self.env.company.id

    @api.model
    def _definition_scopes(self, companies):
        """(lead scope domain, must-have domain or None) for each company."""
        Criterion = self.env["crm.lead.definition.criterion"]
        scopes = []
        for company in companies:
            scope = [("company_id", "=", company.id)]
            if company == self.env.company:
                scope = expression.OR([scope, [("company_id", "=", False)]])
            scopes.append((scope, Criterion._get_must_domain(company.id)))
        return scopes

    def _filter_domain_batch(self, domain):
        """The leads of self matching ``domain``: one query for saved leads,
        in memory for leads being edited in a form."""
        saved = self.filtered(lambda lead: isinstance(lead.id, int))
        result = self.browse()
        if saved:
            result = self.browse(
                self.sudo().with_context(active_test=False)._search(
                    expression.AND([[("id", "in", saved.ids)], domain]))
            )
        unsaved = self - saved
        if unsaved:
            result |= unsaved.filtered_domain(domain)
        return result

    def _definition_matches(self):
        """{lead id: set of met criterion ids}, one query per criterion per company."""
        Criterion = self.env["crm.lead.definition.criterion"]
        matches = defaultdict(set)
        for company_id, leads in self.grouped(lambda lead: lead._definition_company_id()).items():
            rows, _must_fields = Criterion._get_definition(company_id)
            for criterion_id, _req, domain in rows:
                for lead in leads._filter_domain_batch(eval_domain(domain, self.env)):
                    matches[lead.id].add(criterion_id)
        return matches

    # ------------------------------------------------------------
    # SCORING AND ROUTING ENGINE
    # ------------------------------------------------------------

    def action_score_and_route(self):
        """Score the leads, hand the ones reaching the sales-ready score to sales,
        and route those not yet accepted. For any selection (server action, RPC)."""
        self.check_access("write")
        self.sudo()._score_and_route()
        return True

    def _score_and_route_auto(self, vals, created=False):
        """After create, or a write of a field a rule reads: score and route.
        Nothing to do, and no query, when no rule reads what was written."""
        if not self or self.env.context.get("sma_routing"):
            return
        has_rules, read_fields = self.env["crm.scoring.rule"]._get_engine_info()
        if has_rules and (created or read_fields & set(vals)):
            self.sudo()._score_and_route()

    def _score_and_route(self):
        """The engine, set-based: each rule is evaluated once over the batch.
        Leads another transaction is scoring or routing are skipped: it does them."""
        # Like crm's own assignment, no "you have been assigned" mail per lead;
        # and no per-lead tracking message: the engine logs each decision
        # (rule, target, previous and new salesperson) itself, in one insert.
        leads = self.with_context(
            active_test=False, sma_routing=True, mail_auto_subscribe_no_notify=True, mail_notrack=True,
        )._engine_lock()
        if not leads:
            return leads
        previous = leads._score()
        leads._apply_sales_ready(previous)
        leads._route()
        return leads

    def _engine_lock(self):
        """Lock the leads of self for this transaction (SELECT ... FOR UPDATE
        SKIP LOCKED) and return those locked: concurrent workers, crons and
        users never score and route one lead twice at the same time. Under
        Odoo's repeatable-read transactions, a lead changed by a transaction
        that committed meanwhile raises a serialization error, and Odoo
        retries the request (or the cron runs again) with fresh data."""
        saved = self.filtered(lambda lead: isinstance(lead.id, int))
        if not saved:
            return saved
        self.env.cr.execute(SQL(
            "SELECT id FROM crm_lead WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED", tuple(saved.ids)))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _score(self):
        """Evaluate the scoring rules of each lead's company over the batch,
        keep the explanation lines in step, and write the scores grouped by
        value. Returns {lead id: score before}."""
        Rule = self.env["crm.scoring.rule"].sudo()
        Line = self.env["crm.lead.score.line"].sudo()
        now = fields.Datetime.now()
        previous = {lead.id: (lead.score if lead.date_scored else None) for lead in self}
        lines = {(line.lead_id.id, line.rule_id.id): line for line in Line.search([("lead_id", "in", self.ids)])}
        totals = defaultdict(lambda: {"fit": 0, "engagement": 0})
        to_create, updates, errors, ran = [], defaultdict(list), {}, set()
        for company_id, leads in self.grouped(lambda lead: lead._definition_company_id()).items():
            for rule_id, dimension, domain, points, half_life in Rule._get_rules(company_id):
                try:
                    with self.env.cr.savepoint(flush=False):
                        matched = set(leads._filter_domain_batch(eval_domain(domain, self.env)).ids)
                except Exception as error:  # noqa: BLE001 - skip the rule, score the rest
                    errors[rule_id] = str(error)
                    for lead in leads:  # keep its last known points
                        line = lines.pop((lead.id, rule_id), None)
                        if line:
                            totals[lead.id][line.dimension] += line.points
                    continue
                ran.add(rule_id)
                for lead in leads:
                    line = lines.pop((lead.id, rule_id), None)
                    if lead.id not in matched:
                        if line:
                            lines[lead.id, rule_id] = line  # left over: unlinked below
                        continue
                    since = line.date_matched if line else now
                    value = self._decayed_points(points, half_life, since, now)
                    totals[lead.id][dimension] += value
                    if not line:
                        to_create.append({
                            "lead_id": lead.id, "rule_id": rule_id, "dimension": dimension,
                            "rule_points": points, "points": value, "date_matched": now,
                            "company_id": lead.company_id.id,
                        })
                    elif (line.points, line.rule_points, line.dimension) != (value, points, dimension):
                        updates[value, points, dimension].append(line.id)
        # Lines of rules that no longer match, are archived or were deleted.
        Line.browse(line.id for line in lines.values()).unlink()
        Line.create(to_create)
        for (value, points, dimension), line_ids in updates.items():
            Line.browse(line_ids).write({"points": value, "rule_points": points, "dimension": dimension})
        Rule.browse(ran | set(errors))._report_errors(errors)
        by_vals = defaultdict(list)
        for lead in self:
            fit, engagement = totals[lead.id]["fit"], totals[lead.id]["engagement"]
            company = lead.company_id or self.env.company
            by_vals[fit, engagement, company._score_grade(fit + engagement), company.score_rules_version].append(
                lead.id)
        for (fit, engagement, grade, version), lead_ids in by_vals.items():
            self.browse(lead_ids).write({
                "fit_score": fit, "engagement_score": engagement, "score": fit + engagement,
                "grade": grade, "date_scored": now, "score_rules_version": version,
            })
        return previous

    @api.model
    def _decayed_points(self, points, half_life, since, now):
        """Points halve every ``half_life`` days since ``since`` (0: no decay)."""
        if not half_life or now <= since:
            return points
        age_days = (now - since).total_seconds() / 86400.0
        return int(round(points * 0.5 ** (age_days / half_life)))

    def _apply_sales_ready(self, previous):
        """Reaching the company's sales-ready score hands a lead to sales (MQL);
        a handed-off lead falling under it before acceptance goes to nurture.
        Leads at stage Lead are handed off while they are at or above the score;
        nurtured leads when their score rises to it again (and their re-engage
        date, if any, has come)."""
        today = fields.Date.context_today(self)
        to_mql, to_nurture = self.browse(), self.browse()
        for lead in self.filtered("active"):
            threshold = (lead.company_id or self.env.company).mql_threshold
            if not threshold:
                continue
            before = previous.get(lead.id)
            was_ready = before is not None and before >= threshold
            if lead.score >= threshold and (
                lead.lifecycle_stage == "lead"
                or lead.lifecycle_stage == "nurture" and not was_ready
                and (not lead.reengage_date or lead.reengage_date <= today)
            ):
                to_mql |= lead
            elif lead.lifecycle_stage == "mql" and lead.score < threshold and was_ready:
                to_nurture |= lead
        if to_mql:
            to_mql._set_lifecycle_stage("mql", extra_vals=self._handoff_vals())
        if to_nurture:
            to_nurture._set_lifecycle_stage("nurture")

    def _route(self):
        """Send each lead not yet accepted by sales where the first matching
        routing rule of its company says. A lead whose decision did not change
        is left alone, so routing again is harmless."""
        Rule = self.env["crm.routing.rule"].sudo()
        leads = self.filtered(lambda lead: lead.active and lead.lifecycle_stage in ROUTABLE_STAGES)
        decisions, errors, ran = {}, {}, Rule.browse()
        for company_id, company_leads in leads.grouped(lambda lead: lead._definition_company_id()).items():
            rules = Rule.browse(Rule._get_rule_ids(company_id))
            if not rules:
                continue  # routing not used in this company
            remaining = company_leads
            for rule in rules:
                candidates = remaining.filtered(lambda lead, r=rule: r.score_min <= lead.score <= r.score_max)
                if not candidates:
                    ran |= rule
                    continue
                try:
                    rule._check_runnable()
                    with self.env.cr.savepoint(flush=False):
                        matched = candidates._filter_domain_batch(eval_domain(rule.domain, self.env))
                except Exception as error:  # noqa: BLE001 - skip the rule, route the rest
                    errors[rule.id] = str(error)
                    continue
                ran |= rule
                for lead in matched:
                    decisions[lead] = rule
                remaining -= matched
            for lead in remaining:
                decisions[lead] = Rule
        (ran | Rule.browse(list(errors)))._report_errors(errors)
        changed = [
            (lead, rule) for lead, rule in decisions.items()
            if not lead.date_routed or lead.routing_rule_id != rule or lead.routing_state == "team"
            or (not rule and lead.routing_state != "unmatched")
            or (rule and rule.override_manual and lead.assignment_manual)
        ]
        logs = []
        by_rule = defaultdict(list)
        for lead, rule in changed:
            by_rule[rule].append(lead)
        for rule, rule_leads in by_rule.items():
            # Oldest leads first: they take the first turns of a team.
            logs += self.browse(sorted(lead.id for lead in rule_leads))._route_with(rule)
        self._log_routing(logs)

    def _route_with(self, rule):
        """Apply one rule's decision to its leads; returns the log values."""
        now = fields.Datetime.now()
        logs = []
        if not rule:
            self.write({"routing_rule_id": False, "routing_state": "unmatched", "date_routed": now})
            return [self._routing_log_vals(lead, rule, "unmatched", _("No routing rule matches this lead."))
                    for lead in self]
        kept = self.filtered(lambda lead: lead.assignment_manual and lead.user_id and not rule.override_manual)
        if kept:
            kept.write({"routing_rule_id": rule.id, "routing_state": "kept", "date_routed": now})
            logs += [self._routing_log_vals(lead, rule, "kept", _(
                "%(user)s was assigned by hand; the rule does not override manual assignments.",
                user=lead.user_id.name)) for lead in kept]
        leads = self - kept
        if not leads:
            return logs
        base = {"routing_rule_id": rule.id, "date_routed": now}
        if rule.target == "user":
            vals = dict(base, routing_state="assigned", user_id=rule.user_id.id, assignment_manual=False)
            if rule.team_id:
                vals["team_id"] = rule.team_id.id
            prev_users = {lead.id: lead.user_id for lead in leads}
            leads.write(vals)
            logs += [self._routing_log_vals(lead, rule, "assigned", _(
                "Rule \"%(rule)s\" assigns it to %(user)s.", rule=rule.name, user=rule.user_id.name),
                previous_user=prev_users[lead.id]) for lead in leads]
        elif rule.target == "partner":
            vals = dict(base, routing_state="partner", partner_assigned_id=rule.partner_id.id,
                        date_partner_assign=fields.Date.context_today(self))
            if rule.team_id:
                vals["team_id"] = rule.team_id.id
            leads.write(vals)
            logs += [self._routing_log_vals(lead, rule, "partner", _(
                "Rule \"%(rule)s\" forwards it to partner %(partner)s.", rule=rule.name,
                partner=rule.partner_id.display_name)) for lead in leads]
        elif rule.target == "nurture":
            prev_users = {lead.id: lead.user_id for lead in leads}
            leads.write(dict(base, routing_state="nurture", user_id=False, assignment_manual=False))
            leads.filtered(lambda lead: lead.lifecycle_stage in ("lead", "mql"))._set_lifecycle_stage("nurture")
            logs += [self._routing_log_vals(lead, rule, "nurture", _(
                "Rule \"%(rule)s\" sends it to marketing for nurturing.", rule=rule.name),
                previous_user=prev_users[lead.id]) for lead in leads]
        else:
            logs += leads._route_to_team(rule, base)
        return logs

    def _route_to_team(self, rule, base):
        """Distribute leads among the team's members (not opted out), round-robin
        or by remaining capacity, with the members' rows locked so concurrent
        routings of the team serialize. One write per member."""
        team = rule.team_id
        members = self._routing_lock_members(team)
        prev_users = {lead.id: lead.user_id for lead in self}
        queue = sorted(members, key=lambda m: (m.routing_last_date or datetime.min, m.id))
        room = {}
        if rule.distribution == "capacity" and queue:
            open_counts = dict(self._read_group(
                [("user_id", "in", [m.user_id.id for m in queue]), ("team_id", "=", team.id),
                 ("active", "=", True), ("probability", "<", 100), ("id", "not in", self.ids)],
                ["user_id"], ["__count"]))
            room = {m: m.assignment_max - open_counts.get(m.user_id, 0) for m in queue}
        by_member = defaultdict(list)
        waiting = []
        for lead in self:
            if rule.distribution == "capacity":
                free = [m for m in queue if room[m] > 0]
                member = max(free, key=lambda m: room[m]) if free else None
                if member:
                    room[member] -= 1
            else:
                member = queue[0] if queue else None
            if member:
                queue.remove(member)
                queue.append(member)
                by_member[member].append(lead.id)
            else:
                waiting.append(lead.id)
        logs = []
        now = fields.Datetime.now()
        for rank, member in enumerate(queue):
            if member not in by_member:
                continue
            leads = self.browse(by_member[member])
            leads.write(dict(base, routing_state="assigned", team_id=team.id, user_id=member.user_id.id,
                             assignment_manual=False))
            # Turn order survives the batch: later in the queue, later date.
            member.sudo().write({"routing_last_date": now + timedelta(microseconds=rank)})
            how = _("by remaining capacity") if rule.distribution == "capacity" else _("round-robin")
            logs += [self._routing_log_vals(lead, rule, "assigned", _(
                "Rule \"%(rule)s\" assigns it to %(user)s in team %(team)s (%(how)s).", rule=rule.name,
                user=member.user_id.name, team=team.name, how=how), previous_user=prev_users[lead.id])
                for lead in leads]
        # Leads that were already waiting for this rule's team keep waiting
        # silently: no new log line at every run while the team is full.
        leads = self.browse(waiting).filtered(
            lambda lead: not (lead.routing_state == "team" and lead.routing_rule_id == rule))
        if leads:
            leads.write(dict(base, routing_state="team", team_id=team.id, user_id=False, assignment_manual=False))
            logs += [self._routing_log_vals(lead, rule, "team", _(
                "Rule \"%(rule)s\" sends it to team %(team)s, where nobody has room: it waits "
                "for a salesperson.", rule=rule.name, team=team.name), previous_user=prev_users[lead.id])
                for lead in leads]
        return logs

    @api.model
    def _routing_lock_members(self, team):
        """The team's members who take leads, their rows locked until commit
        (in id order, so that two routings never deadlock)."""
        members = team.sudo().crm_team_member_ids.filtered(
            lambda m: not m.assignment_optout and m.user_id.active)
        if not members:
            return members
        self.env.cr.execute(SQL(
            "SELECT id FROM crm_team_member WHERE id IN %s ORDER BY id FOR UPDATE", tuple(members.ids)))
        return members

    def _routing_log_vals(self, lead, rule, outcome, reason, previous_user=None):
        return {
            "lead_id": lead.id, "rule_id": rule.id, "target": rule.target or False, "outcome": outcome,
            "score": lead.score, "team_id": lead.team_id.id, "user_id": lead.user_id.id,
            "partner_id": lead.partner_assigned_id.id if outcome == "partner" else False,
            "previous_user_id": (previous_user if previous_user is not None else lead.user_id).id,
            "reason": reason, "company_id": lead.company_id.id,
        }

    def _log_routing(self, logs):
        """The decisions in the routing log and in each lead's chatter, one
        insert each for the whole batch."""
        if not logs:
            return
        self.env["crm.lead.routing.log"].sudo().create(logs)
        author = self.env.user.partner_id
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        reply_to = self._chatter_reply_to([log["lead_id"] for log in logs], author)
        self.env["mail.message"].sudo().create([{
            "model": self._name, "res_id": log["lead_id"], "message_type": "notification",
            "subtype_id": note, "is_internal": True, "author_id": author.id,
            "email_from": author.email_formatted, "reply_to": reply_to[log["lead_id"]],
            "body": self._routing_note(log),
        } for log in logs])

    def _routing_note(self, log):
        """Chatter note of a routing decision: the reason, and the change of
        salesperson (routing writes are not tracked one lead at a time)."""
        body = Markup("<p>%s</p>") % _("Routing: %(reason)s", reason=log["reason"])
        if log["previous_user_id"] != log["user_id"]:
            Users = self.env["res.users"].sudo()
            body += Markup("<p>%s</p>") % _(
                "Salesperson: %(previous)s → %(new)s",
                previous=Users.browse(log["previous_user_id"]).name or _("nobody"),
                new=Users.browse(log["user_id"]).name or _("nobody"))
        return body

    def _chatter_reply_to(self, lead_ids, author):
        """Reply-to of notes on many leads, computed at once (mail.message
        would compute it one message at a time)."""
        return self.browse(lead_ids).sudo()._notify_get_reply_to(default=author.email_formatted)

    @api.model
    def _cron_score_leads(self, batch_size=1000):
        """Score leads never scored, and rescore open leads every day (decay)
        and after a change of rules or cut-offs, in committed batches."""
        domain = self._rescore_domain()
        if not domain:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        Lead = self.with_context(active_test=False)
        leads = Lead.search(domain, limit=batch_size, order="date_scored ASC NULLS FIRST, id")
        leads.sudo()._score_and_route()
        remaining = Lead.search_count(domain) if len(leads) == batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(leads), remaining=remaining)

    @api.model
    def _rescore_domain(self):
        """Leads the scoring job owes a (re)score, over every company that has
        rules or had them; None when scoring is not used."""
        Rule = self.env["crm.scoring.rule"].sudo()
        companies = Rule.search([]).company_id | self.env["crm.routing.rule"].sudo().search([]).company_id
        companies |= self.env["res.company"].sudo().search([("score_rules_version", "!=", 0)])
        if not companies:
            return None
        day_ago = fields.Datetime.now() - timedelta(days=1)  # decay: once a day
        parts = []
        for company in companies:
            scope = [("company_id", "=", company.id)]
            if company == self.env.company:
                scope = expression.OR([scope, [("company_id", "=", False)]])
            parts.append(expression.AND([scope, [
                "|", ("date_scored", "=", False),
                "&", "&", ("active", "=", True), ("lifecycle_stage", "not in", CLOSED_STAGES),
                "|", ("date_scored", "<", day_ago), ("score_rules_version", "!=", company.score_rules_version),
            ]]))
        return expression.OR(parts)
