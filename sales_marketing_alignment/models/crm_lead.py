# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.constants import (
    BUDGET_STATUSES,
    BUYING_ROLES,
    COMPANY_SIZES,
    DUE_SOON_SHARE,
    EVALUATION_TIMEFRAMES,
    GRADES,
    HANDOFF_DIGEST_LINES,
    HANDOFF_STAGES,
    LIFECYCLE_MOVES,
    LIFECYCLE_STAGES,
    REJECT_STAGES,
    ROUTING_OUTCOMES,
    RULE_ERRORS,
    SLA_STATUSES,
    UTM_FIELDS,
)
from ..tools.sql import match_select

# Fields the lead definition is most often written on: the form recomputes
# completeness live when they change (criteria may read any other field too).
DEFINITION_DEPENDS = [
    "buying_role", "budget_status", "evaluation_timeframe", "purchase_trigger_id",
    "company_size", "industry_id", "lead_properties", "partner_id", "country_id",
    "state_id", "expected_revenue", "tag_ids", "email_from", "phone", "team_id",
    "user_id", "source_id", "medium_id", "campaign_id", "company_id",
]
# Written by the alignment engines only (scoring, routing, lifecycle, SLA):
# no user writes them, whatever the call. Alignment managers may still
# correct a lifecycle stage by hand (it is logged like any other move).
ENGINE_FIELDS = frozenset({
    "fit_score", "engagement_score", "score", "grade", "date_scored", "score_rules_version",
    "routing_rule_id", "routing_state", "date_routed",
    "lifecycle_stage", "date_handoff", "date_accepted", "handoff_reject_reason_id", "date_feedback",
    "date_first_touch", "sla_escalation_count", "sla_escalated_on",
    "date_reached_inquiry", "date_reached_lead", "date_reached_mql", "date_reached_sal", "date_reached_sql",
    "date_reached_customer",
})
# Odoo's own state, which the lifecycle follows at once (conversion, won, lost, restore).
ODOO_STATE_FIELDS = frozenset({"active", "type", "stage_id", "probability"})
# The transaction's pending pipeline (see _pipeline_enqueue).
PIPELINE_KEY = "sales_marketing_alignment.pipeline"


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
        compute="_compute_definition",
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
    lifecycle_history_ids = fields.One2many("crm.lead.lifecycle.history", "lead_id")
    # Funnel: when the lead first reached each stage, or a later one (kept
    # by crm.lead.lifecycle.history; indexed for the dashboard and funnel plans)
    date_reached_inquiry = fields.Datetime("Inquiry Reached On", readonly=True, copy=False, index="btree_not_null")
    date_reached_lead = fields.Datetime("Lead Reached On", readonly=True, copy=False, index="btree_not_null")
    date_reached_mql = fields.Datetime("MQL Reached On", readonly=True, copy=False, index="btree_not_null")
    date_reached_sal = fields.Datetime("SAL Reached On", readonly=True, copy=False, index="btree_not_null")
    date_reached_sql = fields.Datetime("SQL Reached On", readonly=True, copy=False, index="btree_not_null")
    date_reached_customer = fields.Datetime(
        "Customer Reached On", readonly=True, copy=False, index="btree_not_null")
    date_handoff = fields.Datetime("Hand-off Date", copy=False, readonly=True)
    date_accepted = fields.Datetime("Acceptance Date", copy=False, readonly=True)
    can_answer_handoff = fields.Boolean(
        compute="_compute_can_answer_handoff",
        help="The current user may accept or reject this hand-off: the salesperson (for a lead "
        "forwarded to a channel partner, the partner's salesperson), the team leader, or a sales "
        "manager.")
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

    # Messaging and materials: key messages tagged on calls, content shared
    message_use_ids = fields.One2many("crm.message.use", "lead_id", string="Key Messages Used")
    content_share_ids = fields.One2many("crm.content.share", "lead_id", string="Content Shared")
    content_access_ids = fields.One2many("crm.content.access", "lead_id", string="Content Opened")
    content_access_count = fields.Integer(
        "Content Accesses", compute="_compute_content_access_count", store=True,
        help="Times the lead's contacts opened a content item (shared by a rep or sent by nurturing).")
    suggested_content_ids = fields.Many2many(
        "crm.content", compute="_compute_suggested_content_ids",
        help="Published items of the lead's company for its segment and buying stage, best lift first.")

    # Nurturing: the profile (implicit and explicit interests) and tracks
    interest_ids = fields.One2many(
        "crm.lead.interest", "lead_id", string="Interests",
        help="Topics of the items the lead opened (implicit) and of what the prospect told us (explicit).")
    nurture_enrollment_ids = fields.One2many(
        "crm.nurture.enrollment", "lead_id", string="Nurture Tracks", readonly=True)
    nurture_opt_out = fields.Boolean(
        "Nurture Opt-out", copy=False, tracking=True,
        help="The prospect unsubscribed: no nurture track sends them mails.")

    # One-click follow-ups the current user may apply
    quick_action_ids = fields.Many2many(
        "crm.quick.action", string="Quick Actions", compute="_compute_quick_action_ids",
    )
    quick_action_inline_count = fields.Integer(
        compute="_compute_quick_action_ids",
        help="How many quick actions show as buttons on pipeline cards (Settings); the others "
        "are in the card's quick action menu.")

    # Explainable rule-based score (paper 000, "Define Quality"); Odoo's
    # predictive probability is left alone. Written by the scoring engine.
    fit_score = fields.Integer(readonly=True, copy=False, help="Points of the fit rules: who the lead is.")
    engagement_score = fields.Integer(
        readonly=True, copy=False,
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
        help="The company's scoring version (rules, cut-offs and lead definition) this lead was "
        "evaluated with.")
    score_line_ids = fields.One2many("crm.lead.score.line", "lead_id", string="Matched Scoring Rules", readonly=True)
    score_explanation = fields.Text(compute="_compute_score_explanation")

    # Routing by rules: the last decision, its log, and hand-made assignments
    routing_rule_id = fields.Many2one(
        "crm.routing.rule", readonly=True, copy=False, index="btree_not_null",
        ondelete="set null")
    routing_state = fields.Selection(
        ROUTING_OUTCOMES, string="Routing", readonly=True, copy=False, index="btree_not_null",
        help="The last routing decision. \"No rule matched\": the lead waits, unassigned, for a rule. "
        "\"Waiting for the routing job\": the team was being routed by another save at the same "
        "moment; the routing job places the lead within a minute.")
    date_routed = fields.Datetime("Routed On", readonly=True, copy=False)
    routing_log_ids = fields.One2many("crm.lead.routing.log", "lead_id", readonly=True)
    routing_notice = fields.Char(
        compute="_compute_routing_notice",
        help="Shown once on the form that saved the lead, when routing sent it to someone else.")
    assignment_manual = fields.Boolean(
        "Assigned by Hand", copy=False,
        help="A person chose the salesperson: routing keeps it unless a rule says otherwise. "
        "Set when a person creates a lead with a salesperson or changes its salesperson; "
        "clear it to let routing decide.")
    # Same field as Odoo's website_crm_partner_assign, so both work together.
    partner_assigned_id = fields.Many2one(
        "res.partner", "Assigned Partner", tracking=True, index="btree_not_null", copy=False,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Channel partner this lead has been forwarded to.")
    date_partner_assign = fields.Date("Partner Assignment Date", copy=False)

    # Campaign attribution: every campaign interaction, kept through conversion and merge
    touchpoint_ids = fields.One2many("crm.touchpoint", "lead_id", string="Touchpoints", readonly=True)
    touchpoint_count = fields.Integer(compute="_compute_touchpoint_count")
    first_touch_campaign_id = fields.Many2one(
        "utm.campaign", compute="_compute_touch_campaigns", store=True,
        index="btree_not_null", help="Campaign of the earliest touchpoint that has one.")
    last_touch_campaign_id = fields.Many2one(
        "utm.campaign", compute="_compute_touch_campaigns", store=True,
        index="btree_not_null", help="Campaign of the latest touchpoint that has one.")

    @api.depends("partner_id")
    def _compute_industry_id(self):
        for lead in self:
            lead.industry_id = lead.partner_id.commercial_partner_id.industry_id or lead.industry_id

    @api.depends_context("uid")
    @api.depends("lifecycle_stage", "user_id", "team_id", "partner_assigned_id")
    def _compute_can_answer_handoff(self):
        manager = self.env.su or self.env.user.has_group("sales_team.group_sale_manager")
        for lead in self:
            lead.can_answer_handoff = lead.lifecycle_stage == "mql" and (
                manager or self.env.user in lead._handoff_answerers())

    @api.depends("date_handoff", "date_open", "team_id")
    def _compute_sla_deadlines(self):
        # Deadlines follow the team's SLA at assignment and hand-off; a change
        # of the team's SLA replans its open leads only (crm.team.write).
        # Working-hour deadlines are planned per (calendar, hours) group.
        groups = defaultdict(list)
        for lead in self:
            lead.sla_feedback_deadline = lead.date_handoff and lead.team_id.use_sla and (
                lead.date_handoff + timedelta(days=lead.team_id.sla_feedback_days))
            lead.sla_first_touch_deadline = False
            if lead.date_open and lead.team_id.use_sla:
                calendar = lead.team_id._sla_calendar(lead.company_id)
                groups[lead.team_id, calendar, lead.team_id.sla_first_touch_hours].append(lead)
        for (team, calendar, hours), leads in groups.items():
            deadlines = team._sla_plan_working_hours(calendar, hours, [lead.date_open for lead in leads])
            for lead, deadline in zip(leads, deadlines):
                lead.sla_first_touch_deadline = deadline

    @api.depends("sla_first_touch_deadline", "sla_feedback_deadline", "date_first_touch", "date_feedback",
                 "active", "stage_id.is_won")
    def _compute_sla_status(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.sla_status = lead._sla_status_at(now)

    @api.depends_context("uid")
    @api.depends("lifecycle_stage", "company_id")
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
            # Only the actions whose moves fit the lead's lifecycle show on it.
            lead.quick_action_ids = actions.filtered(
                lambda action, lead=lead: (not action.company_id or action.company_id == lead.company_id
                                           or not lead.company_id) and action._applies_to(lead))
            lead.quick_action_inline_count = (lead.company_id or self.env.company).quick_action_inline_count

    @api.depends("content_access_ids")
    def _compute_content_access_count(self):
        counts = dict(self.env["crm.content.access"].sudo()._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]))
        for lead in self:
            lead.content_access_count = counts.get(lead, 0)

    @api.depends("industry_id", "buying_role", "company_size", "lifecycle_stage", "probability", "company_id")
    def _compute_suggested_content_ids(self):
        # One search per profile (company, stage, segment), not per lead.
        suggestions = {}
        for lead in self:
            key = (lead.company_id.id, lead._content_buying_stage(), lead.industry_id.id,
                   lead.buying_role, lead.company_size)
            if key not in suggestions:
                suggestions[key] = self.env["crm.content"]._suggest_for(lead)
            lead.suggested_content_ids = suggestions[key]

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

    def _compute_touchpoint_count(self):
        counts = dict(self.env["crm.touchpoint"].sudo()._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]))
        for lead in self:
            lead.touchpoint_count = counts.get(lead._origin, 0)

    @api.depends("touchpoint_ids.date", "touchpoint_ids.campaign_id")
    def _compute_touch_campaigns(self):
        for lead in self:
            touches = lead.sudo().touchpoint_ids.filtered("campaign_id").sorted(lambda tp: (tp.date, tp.id))
            lead.first_touch_campaign_id = touches[:1].campaign_id
            lead.last_touch_campaign_id = touches[-1:].campaign_id

    def _compute_routing_notice(self):
        # Only web_save fills it in, in its answer to the form that saved.
        self.routing_notice = False

    @api.depends(*DEFINITION_DEPENDS)
    def _compute_definition(self):
        Criterion = self.env["crm.lead.definition.criterion"]
        matches = Criterion._definition_matches(self)
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
            for scope, must in self.env["crm.lead.definition.criterion"]._definition_scopes(self.env.companies)
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
        self._check_engine_fields(vals_list)
        if self._is_person():
            # A person creating a lead with a salesperson (themselves included)
            # chose them: routing keeps them. The system's leads (mail gateway,
            # website forms, imports as the system) are routed.
            default_user = None
            for vals in vals_list:
                if "assignment_manual" in vals:
                    continue
                if "user_id" not in vals and default_user is None:
                    default_user = self.default_get(["user_id"]).get("user_id") or False
                vals["assignment_manual"] = bool(vals["user_id"] if "user_id" in vals else default_user)
        leads = super().create(vals_list)
        leads._init_lifecycle([vals.get("lifecycle_stage") for vals in vals_list])
        self.env["crm.touchpoint"]._record_new_leads(leads)
        if self._pipeline_watch()[0]:
            leads._pipeline_enqueue()
        return leads

    def write(self, vals):
        self._check_engine_fields([vals])
        if "lifecycle_stage" in vals and not self.env.su:
            # An alignment manager correcting the stage by hand: logged as any move.
            vals = dict(vals)
            stage = vals.pop("lifecycle_stage")
            res = self.write(vals) if vals else True
            self._set_lifecycle_stage(stage, "correction")
            return res
        manual = None
        if "user_id" in vals and "assignment_manual" not in vals and self._is_person():
            # A person changing the salesperson chose them: "assigned by hand".
            manual = self.filtered(lambda lead: lead.user_id.id != (vals["user_id"] or False))
            if manual == self:
                vals, manual = dict(vals, assignment_manual=bool(vals["user_id"])), None
        retouched = self._utm_changed_by_person(vals)
        res = super().write(vals)
        if retouched:
            # A person re-labelling a lead's campaign, source or medium adds a
            # touch; the earlier touches stay as they were.
            self.env["crm.touchpoint"]._record(
                retouched.filtered(lambda lead: any(lead[fname] for fname in UTM_FIELDS)), "manual")
        if manual:
            manual.write({"assignment_manual": bool(vals["user_id"])})
        if ODOO_STATE_FIELDS & set(vals):
            self._sync_lifecycle(vals)
        watching, read_fields = self._pipeline_watch()
        if watching and read_fields & set(vals):
            self._pipeline_enqueue()
        return res

    def copy(self, default=None):
        # A duplicate made in the CRM is no inquiry of the person: it records
        # no touch on the original lead.
        copies = super().copy(default=default)
        self.env["crm.touchpoint"].sudo().search([
            ("inquiry_lead_id", "in", copies.ids), ("lead_id", "not in", copies.ids),
        ]).unlink()
        return copies

    def web_save(self, vals, specification, next_id=None):
        """The form's save ends the user's edit: run the pipeline now, so the
        form shows the stage, score and owner that follow. When routing sent
        the lead to someone the user may not see, the form keeps what was
        saved and says where it went, instead of failing to read it back."""
        result = super().web_save(vals, specification, next_id=next_id)
        if not self and self._is_person():
            # A person created the lead in the form: its first touch is manual.
            self.browse([row["id"] for row in result])._touchpoint_relabel("manual")
        if not self.env["crm.lead"]._pipeline_flush():
            return result
        records = self.browse([row["id"] for row in result])
        readable = records._filtered_access("read")
        fresh = {row["id"]: row for row in readable.with_context(bin_size=True).web_read(specification)}
        for row in result:
            if row["id"] in fresh:
                row.update(fresh[row["id"]])
            elif "routing_notice" in specification:
                row["routing_notice"] = self.browse(row["id"]).sudo()._routing_whereabouts()
        return result

    def get_rainbowman_message(self):
        # The form asks after every save; a lead routing sent away has nothing to celebrate.
        if not self._filtered_access("read"):
            return False
        return super().get_rainbowman_message()

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        # The mail gateway (mass_mailing passes the mailing's UTM values on a reply).
        lead = super().message_new(msg_dict, custom_values=custom_values)
        lead._touchpoint_relabel("mailing")
        return lead

    def message_update(self, msg_dict, update_vals=None):
        # The prospect answered (a nurture mail or any other): a person takes it from here.
        res = super().message_update(msg_dict, update_vals=update_vals)
        self.env["crm.nurture.enrollment"]._exit_leads(self, "replied")
        return res

    def _message_receive_bounce(self, email, partner):
        res = super()._message_receive_bounce(email, partner)
        self.env["crm.nurture.enrollment"]._exit_leads(self, "bounced")
        return res

    def _merge_dependences(self, opportunities):
        """As event_crm and website_crm: the head keeps every touchpoint, and
        the tagged calls, shares and accesses of the merged leads, like their
        messages and activities. Its campaign, source and medium are set
        first as Odoo's merge will set them, so that merge's own write
        records no "manual" touch."""
        res = super()._merge_dependences(opportunities)
        utm_vals = (self | opportunities)._merge_data(list(UTM_FIELDS))
        changed = {fname: value for fname, value in utm_vals.items() if self[fname].id != (value or False)}
        if changed:
            self.sudo().write(changed)
        self.env["crm.touchpoint"]._merge_into(self, opportunities)
        self.env["crm.lead.interest"]._merge_into(self, opportunities)
        for model in ("crm.message.use", "crm.content.share", "crm.content.access"):
            records = self.env[model].sudo().search([("lead_id", "in", opportunities.ids)])
            if records:
                records.write({"lead_id": self.id, "company_id": self.company_id.id})
        return res

    def _merge_get_fields_specific(self):
        # A merged lead was assigned by hand when one of the merged leads was;
        # merging itself is no choice of salesperson.
        return dict(super()._merge_get_fields_specific(),
                    assignment_manual=lambda fname, leads: any(leads.mapped("assignment_manual")))

    def _check_engine_fields(self, vals_list):
        """Scores, routing decisions, SLA dates and lifecycle moves are the
        engines' to write (they write as superuser). Alignment managers may
        correct a lifecycle stage by hand; nobody else writes these fields."""
        if self.env.su:
            return
        written = set().union(*vals_list) & ENGINE_FIELDS
        if not written:
            return
        if written == {"lifecycle_stage"} and self.env.user.has_group(
                "sales_marketing_alignment.group_alignment_manager"):
            return
        if "lifecycle_stage" in written:
            raise UserError(_(
                "The lifecycle stage follows the lead definition, hand-offs and Odoo's own "
                "conversion and won/lost: use the Hand off, Accept and Reject buttons."
            ))
        labels = ", ".join(sorted(self._fields[name].get_description(self.env)["string"] for name in written))
        raise AccessError(_(
            "%(fields)s are set by the alignment engine (scoring, routing and follow-up), not by hand.",
            fields=labels,
        ))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_set_lost(self, **additional_values):
        """Odoo's lost, then the follow-up of the codified reason (nurture, alert).
        ``nurture_follow_up=False`` closes the lead without returning it to
        nurture (a rep who disqualifies)."""
        nurture = additional_values.pop("nurture_follow_up", True)
        reason = self.env["crm.lost.reason"].browse(additional_values.get("lost_reason_id")).exists()
        if reason:
            # Before the archive, so the lifecycle history records why.
            self.write({"lost_reason_id": reason.id})
        res = super().action_set_lost(**additional_values)
        if reason:
            reason._apply_feedback_follow_up(self, nurture=nurture)
        return res

    def action_handoff_to_sales(self):
        """Hand leads to sales (lifecycle MQL). For marketing users and sales managers."""
        user = self.env.user
        if not (self.env.su or user.has_group("sales_marketing_alignment.group_alignment_marketing")
                or user.has_group("sales_team.group_sale_manager")):
            raise UserError(_("Only marketing users and sales managers can hand leads to sales."))
        self.check_access("write")
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
        self._set_lifecycle_stage("mql", "handoff", extra_vals=self._handoff_vals())
        return True

    def action_accept_handoff(self):
        """Accept handed-off leads (lifecycle SAL): their salesperson or that person's manager."""
        self._check_handoff_answer()
        self._set_lifecycle_stage("sal", "accept", extra_vals={"date_accepted": fields.Datetime.now()})
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
        self.sudo().write({"handoff_reject_reason_id": reason.id})
        if to_stage == "nurture":
            reason._apply_feedback_follow_up(self, force_nurture=True, cause="reject")
        else:
            self.action_set_lost(lost_reason_id=reason.id, nurture_follow_up=False)
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

    def action_release_to_routing(self):
        """Let routing decide again: clear "assigned by hand" and route now."""
        self.check_access("write")
        self.sudo().write({"assignment_manual": False})
        self._pipeline_enqueue()
        return True

    def action_score_and_route(self):
        """Evaluate the definition, score, hand off and route the leads now.
        For any selection (server action, RPC)."""
        self.check_access("write")
        self._pipeline_enqueue()
        self.env["crm.lead"]._pipeline_flush()
        return True

    def action_open_message_tag(self):
        """Tag the key messages used on a call with this lead (wizard)."""
        self.ensure_one()
        self.check_access("write")
        return self.env["crm.message.tag"]._action_open(self)

    def action_open_content_share(self):
        """Pick content items to share with the lead's contact (wizard)."""
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": _("Share content"),
            "res_model": "crm.content.share.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    def action_share_content(self, content_ids):
        """Share published content items with the lead's contact: one share
        (with its own token) per item and recipient, logged in chatter, then
        Odoo's composer with the tracked links. Returns the composer action."""
        self.ensure_one()
        self.check_access("write")
        return self.env["crm.content.share"]._share_from_lead(self, content_ids)

    # ------------------------------------------------------------
    # PIPELINE: definition -> score -> hand-off -> route
    # ------------------------------------------------------------

    @api.model
    def _pipeline_watch(self):
        """(whether anything is configured for the pipeline, in any company;
        the lead fields its criteria and rules read). Cached by the models."""
        has_rules, rule_fields = self.env["crm.scoring.rule"]._get_engine_info()
        has_criteria, criteria_fields = self.env["crm.lead.definition.criterion"]._get_definition_info()
        return has_rules or has_criteria, rule_fields | criteria_fields

    def _pipeline_enqueue(self):
        """Queue leads a create or write touched for the pipeline, which runs
        once per transaction at its end (precommit), or at once when a form
        saves (web_save), on behalf of the user who touched them last.
        Writes made by the pipeline itself queue nothing."""
        ids = [lead_id for lead_id in self.ids if isinstance(lead_id, int)]
        if not ids:
            return
        cr = self.env.cr
        queue = cr.precommit.data.get(PIPELINE_KEY)
        if queue is None:
            queue = cr.precommit.data[PIPELINE_KEY] = {"leads": {}, "running": False, "hooked": False}
        if queue["running"]:
            return
        queue["leads"].update(dict.fromkeys(ids, self.env.uid))
        if not queue["hooked"]:
            queue["hooked"] = True
            Lead = self.env["crm.lead"]

            def run_pipeline():
                queue["hooked"] = False
                Lead._pipeline_flush()
                # Precommit hooks run after the ORM's last flush: write now.
                Lead.env.flush_all()
            cr.precommit.add(run_pipeline)

    @api.model
    def _pipeline_flush(self):
        """Run the pipeline on the queued leads now; returns them."""
        queue = self.env.cr.precommit.data.get(PIPELINE_KEY)
        if not queue or not queue["leads"] or queue["running"]:
            return self.browse()
        pending, queue["leads"] = queue["leads"], {}
        by_user = defaultdict(list)
        for lead_id, uid in pending.items():
            by_user[uid].append(lead_id)
        done = self.browse()
        queue["running"] = True
        try:
            for uid, lead_ids in by_user.items():
                done |= self.with_user(uid).browse(sorted(lead_ids))._pipeline_run()
        finally:
            queue["running"] = False
        return done.with_env(self.env)

    def _pipeline_run(self, route_only=False):
        """The pipeline, set-based, each step once: the lead definition
        (inquiry or lead), the score, the sales-ready hand-off, routing.
        Leads another transaction is running are skipped: it does them.
        ``route_only``: leads whose score is current (the job's queued
        leads): routing and hand-off activities only."""
        # Like crm's own assignment, no "you have been assigned" mail per
        # lead and no per-lead tracking message: the engines log each
        # decision themselves, in one insert per batch.
        leads = self.sudo().with_context(
            active_test=False, mail_auto_subscribe_no_notify=True, mail_notrack=True,
        ).exists()._engine_lock()
        if not leads:
            return leads
        if not route_only:
            self.env["crm.lead.definition.criterion"]._sync_definition_lifecycle(leads)
            Scoring = self.env["crm.scoring.rule"]
            previous = Scoring._score(leads)
            Scoring._apply_sales_ready(leads, previous)
        self.env["crm.routing.rule"]._route(leads)
        # Routing may have given a handed-off lead to someone else: the
        # "Accept or reject" activity follows.
        leads._schedule_handoff_activities(digest=True)
        return leads

    def _engine_lock(self):
        """Lock the leads of self for this transaction (SELECT ... FOR UPDATE
        SKIP LOCKED) and return those locked: concurrent workers, crons and
        users never run one lead through the pipeline twice at the same time."""
        if not self:
            return self
        self.env.cr.execute(SQL(
            "SELECT id FROM crm_lead WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED", tuple(self.ids)))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------
    # LIFECYCLE
    # ------------------------------------------------------------

    def _set_lifecycle_stage(self, stage, cause, reason=None, extra_vals=None, track=True, strict=True):
        """Move leads to ``stage`` for ``cause`` (a key of LIFECYCLE_MOVES),
        in one write, with one history row each and, when ``track``, a
        tracking line in chatter. A move the cause may not make is refused
        with a UserError (``strict``, a person's action) or skipped
        (automation). Leaving MQL answers the hand-off: the feedback date is
        set and the hand-off and breach activities are closed. Returns the
        leads moved."""
        allowed = LIFECYCLE_MOVES[cause]
        moving = self.filtered(lambda lead: lead.lifecycle_stage != stage)
        refused = moving.filtered(lambda lead: (lead.lifecycle_stage, stage) not in allowed)
        if refused and strict:
            raise UserError(_(
                "\"%(lead)s\" cannot move from %(current)s to %(stage)s this way.",
                lead=refused[0].display_name, current=refused[0]._lifecycle_label(),
                stage=dict(self._fields["lifecycle_stage"]._description_selection(self.env))[stage],
            ))
        moving -= refused
        staying = self - moving - refused
        vals = dict(extra_vals or {})
        if vals and staying:
            staying.sudo().write(vals)
        if not moving:
            return moving
        previous = {lead.id: lead.lifecycle_stage for lead in moving}
        answered = moving.filtered(lambda lead: previous[lead.id] == "mql" and stage != "mql")
        now = fields.Datetime.now()
        if answered == moving and "date_feedback" not in vals:
            vals["date_feedback"] = now
            moving.sudo().write(dict(vals, lifecycle_stage=stage))
        else:
            moving.sudo().write(dict(vals, lifecycle_stage=stage))
            if answered:
                answered.sudo().write({"date_feedback": now})
        self.env["crm.lead.lifecycle.history"]._log_lifecycle(moving, previous, reason=reason, track=track)
        if answered:
            answered._close_handoff_activities(stage)
        if stage == "mql" and cause != "score":
            # Handed off by the score: only in the engine's pipeline, which
            # schedules the activities once routing chose the answerer.
            moving._schedule_handoff_activities()
        return moving

    def _init_lifecycle(self, explicit):
        """Initial stage of new leads (Odoo's state, else the lead definition)
        and their first history row."""
        targets = defaultdict(list)
        to_check = self.browse()
        for lead, stage in zip(self, explicit):
            base = stage or lead._base_lifecycle_stage()
            if base:
                targets[base].append(lead.id)
            else:
                to_check |= lead
        Criterion = self.env["crm.lead.definition.criterion"]
        for company_id, leads in to_check.grouped(lambda lead: lead._definition_company_id()).items():
            must = Criterion._get_must_domain(company_id)
            meeting = leads._filter_domain_batch(must) if must else leads
            targets["lead"].extend(meeting.ids)
            targets["inquiry"].extend((leads - meeting).ids)
        for stage, ids in targets.items():
            changed = self.browse(ids).filtered(lambda lead, stage=stage: lead.lifecycle_stage != stage)
            if changed:
                changed.sudo().write({"lifecycle_stage": stage})
        self.env["crm.lead.lifecycle.history"]._log_lifecycle(self, {}, initial=True)

    def _sync_lifecycle(self, vals):
        """After a write of Odoo's own state: follow conversion, won, lost and
        restore. These moves are recorded in the history but not logged again
        in chatter: Odoo logs the event itself (stage, active, lost reason),
        and core CRM pins the messages and tracking values of those events."""
        targets = {}  # lead -> stage, or None when the definition decides
        for lead in self:
            base = lead._base_lifecycle_stage()
            if base and base != lead.lifecycle_stage:
                # a lost lead is disqualified when it is archived, not on probability edits
                if base != "disqualified" or "active" in vals:
                    targets[lead] = base
            elif not base and lead.active and lead.lifecycle_stage in ("sql", "customer", "disqualified"):
                targets[lead] = None  # restored, or turned back into a lead
        restored = self.browse([lead.id for lead, stage in targets.items() if stage is None])
        Criterion = self.env["crm.lead.definition.criterion"]
        for company_id, leads in restored.grouped(lambda lead: lead._definition_company_id()).items():
            must = Criterion._get_must_domain(company_id)
            meeting = leads._filter_domain_batch(must) if must else leads
            for lead in leads:
                targets[lead] = "lead" if lead in meeting else "inquiry"
        by_stage = defaultdict(lambda: self.browse())
        for lead, stage in targets.items():
            by_stage[stage] |= lead
        for stage, leads in by_stage.items():
            for reason, reason_leads in leads.grouped("lost_reason_id").items():
                reason_leads._set_lifecycle_stage(
                    stage, "odoo", reason=reason if stage == "disqualified" else None, track=False)

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

    def _lifecycle_label(self):
        return dict(self._fields["lifecycle_stage"]._description_selection(self.env))[self.lifecycle_stage]

    def _check_handoff_answer(self):
        not_handed = self.filtered(lambda lead: lead.lifecycle_stage != "mql")
        if not_handed:
            raise UserError(_(
                "\"%(lead)s\" was not handed off to sales (stage %(stage)s): only MQLs can be "
                "accepted or rejected.", lead=not_handed[0].display_name, stage=not_handed[0]._lifecycle_label(),
            ))
        user = self.env.user
        if not (self.env.su or user.has_group("sales_team.group_sale_manager")):
            for lead in self.sudo():
                if user not in lead._handoff_answerers():
                    raise UserError(_(
                        "Only the salesperson of \"%(lead)s\" (%(salesperson)s) or their sales manager "
                        "can accept or reject it.",
                        lead=lead.display_name,
                        salesperson=lead._handoff_answerer().name or _("nobody yet"),
                    ))
        self.check_access("write")

    def _handoff_answerer(self):
        """Who must answer the hand-off: the salesperson; for a lead forwarded
        to a channel partner, the partner's own salesperson (its channel
        manager); else the team leader."""
        self.ensure_one()
        return self.user_id or self.partner_assigned_id.user_id or self.team_id.user_id

    def _handoff_answerers(self):
        """Who may answer it: the answerer and the team leader."""
        self.ensure_one()
        return self._handoff_answerer() | self.team_id.user_id

    def _schedule_handoff_activities(self, digest=False):
        """An "Accept or reject" activity, due at the feedback deadline, for
        whoever must answer each handed-off lead: created where missing, moved
        to the new answerer when routing changed it. Set-based.

        ``digest``: the engine's batches (``_pipeline_run``). Odoo notifies
        the responsible of every activity created or moved (mail.activity's
        ``action_notify``: a rendering and a mail per lead); here the
        activities are created and moved without it (mail.activity's own
        ``mail_activity_quick_update`` behaviour flag) and each answerer gets
        one notification listing the leads handed to them
        (``_notify_handoff_digest``). A person's hand-off keeps Odoo's
        notification per activity."""
        leads = self.filtered(lambda lead: lead.lifecycle_stage == "mql" and lead.active)
        if not leads:
            return
        activity_type = self.env.ref("sales_marketing_alignment.mail_activity_type_handoff")
        existing = self.env["mail.activity"].sudo().search([
            ("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids),
            ("activity_type_id", "=", activity_type.id)])
        by_lead = {activity.res_id: activity for activity in existing}
        to_create, to_move = defaultdict(lambda: self.browse()), defaultdict(lambda: existing.browse())
        today = fields.Date.context_today(self)
        for lead in leads:
            answerer = lead._handoff_answerer()
            if not answerer:
                continue
            activity = by_lead.get(lead.id)
            if not activity:
                due = lead.sla_feedback_deadline.date() if lead.sla_feedback_deadline else today
                to_create[answerer, due] |= lead
            elif activity.user_id != answerer:
                to_move[answerer] |= activity
        for (answerer, due), group in to_create.items():
            group = group.sudo()
            if digest:
                group = group.with_context(mail_activity_quick_update=True)
            group.activity_schedule(
                activity_type_id=activity_type.id, user_id=answerer.id, date_deadline=due,
                summary=activity_type.summary or activity_type.name)
        for answerer, activities in to_move.items():
            if digest:
                activities = activities.with_context(mail_activity_quick_update=True)
            activities.write({"user_id": answerer.id})
        if digest:
            handed = defaultdict(lambda: self.browse())
            for (answerer, _due), group in to_create.items():
                handed[answerer] |= group
            for answerer, activities in to_move.items():
                handed[answerer] |= self.browse(activities.mapped("res_id"))
            self._notify_handoff_digest(handed)

    @api.model
    def _notify_handoff_digest(self, handed):
        """One notification per answerer (``handed``: user -> the leads handed
        to them in this batch), in their language, listing the leads with a
        link to each (at most HANDOFF_DIGEST_LINES, then how many more):
        Odoo's ``message_notify`` without a document, delivered by inbox or
        email as each user chose. Nobody is told about their own leads."""
        for answerer, leads in handed.items():
            if not leads or answerer == self.env.user or not answerer.partner_id:
                continue
            lang = answerer.lang or "en_US"
            env = self.with_context(lang=lang).env
            leads = leads.sorted("id")
            lines = Markup().join(
                Markup('<li><a href="/mail/view?model=crm.lead&amp;res_id=%s">%s</a></li>') % (lead.id, lead.name)
                for lead in leads[:HANDOFF_DIGEST_LINES])
            more = len(leads) - HANDOFF_DIGEST_LINES
            body = Markup("<p>%s</p><ul>%s</ul>") % (env._(
                "These leads reached the sales-ready score and were handed to you. Accept or reject each "
                "of them (its \"Accept or reject\" activity) before its follow-up deadline:"), lines)
            if more > 0:
                body += Markup("<p>%s</p>") % env._("... and %(count)s more, in your pipeline.", count=more)
            self.env["mail.thread"].sudo().message_notify(
                partner_ids=answerer.partner_id.ids, body=body,
                subject=env._("%(count)s leads handed to you to accept or reject", count=len(leads))
                if len(leads) > 1 else env._("\"%(lead)s\" handed to you to accept or reject", lead=leads.name),
                email_layout_xmlid="mail.mail_notification_light",
                # Queued for Odoo's mail queue: a batch does not wait for the mail server.
                force_send=False,
            )

    def _close_handoff_activities(self, stage):
        """The hand-off was answered (the lead left MQL for ``stage``): its
        "Accept or reject" activity and any SLA breach to-do are done."""
        types = self.env.ref("sales_marketing_alignment.mail_activity_type_handoff") \
            | self.env.ref("sales_marketing_alignment.mail_activity_type_sla_breach")
        activities = self.env["mail.activity"].sudo().search([
            ("res_model", "=", "crm.lead"), ("res_id", "in", self.ids), ("activity_type_id", "in", types.ids)])
        if activities:
            label = dict(self._fields["lifecycle_stage"]._description_selection(self.env))[stage]
            activities.action_feedback(feedback=_("Answered: %(stage)s", stage=label))

    @api.model
    def _handoff_vals(self):
        """What a hand-off to sales resets: a fresh feedback SLA and answer."""
        return {
            "date_handoff": fields.Datetime.now(), "date_accepted": False, "handoff_reject_reason_id": False,
            "reengage_date": False, "date_feedback": False,
        }

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _content_buying_stage(self):
        """The buying stage content is chosen for: early until sales accepts
        the lead, then evaluation, and decision from 70% probability on."""
        self.ensure_one()
        if self.lifecycle_stage in ("inquiry", "lead", "mql", "nurture", "disqualified"):
            return "early"
        if self.lifecycle_stage == "customer" or self.probability >= 70:
            return "decision"
        return "evaluation"

    def _is_person(self):
        """Whether a person acts (an internal user, not the system: superuser
        mode, OdooBot, the public user of a website form, a portal user)."""
        return not self.env.su and not self.env.user.share

    def _utm_changed_by_person(self, vals):
        """The leads of self whose campaign, source or medium a person changes with ``vals``."""
        written = [fname for fname in UTM_FIELDS if fname in vals]
        if not written or not self._is_person():
            return self.browse()
        return self.filtered(lambda lead: any(lead[fname].id != (vals[fname] or False) for fname in written))

    def _touchpoint_relabel(self, origin):
        """Label the touches the creation of these leads recorded (on them and,
        for a later inquiry, on the person's open lead) with ``origin``."""
        if not self:
            return
        self.env["crm.touchpoint"].sudo().search([
            ("inquiry_lead_id", "in", self.ids), ("origin", "=", "api"),
        ]).write({"origin": origin})

    def _definition_company_id(self):
        """Leads follow their company's definition; leads without one the current company's."""
        return self.company_id.id or self.env.company.id

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

    def _match_domains(self, conditions):
        """Which leads match which condition, for many conditions at once.
        ``conditions``: {key: (leads of self, domain)}. Saved leads are matched
        by one statement (the domains compiled by Odoo's query builder, record
        rules left out, side by side in one scan of each set of leads:
        ``match_select``); leads being edited in a form, in memory. A
        condition failing is found on its own, in a savepoint, and left out.
        Returns ({key: set of lead ids}, {key: error message})."""
        Lead = self.sudo().with_context(active_test=False)
        matches, errors = {key: set() for key in conditions}, {}
        if not conditions:
            return matches, errors

        def compile_all(keys):
            """{saved lead ids: [(position, Query)]} of the conditions of ``keys``."""
            compiled = defaultdict(list)
            for key in keys:
                leads, domain = conditions[key]
                try:
                    saved = tuple(lead_id for lead_id in leads.ids if isinstance(lead_id, int))
                    if len(saved) < len(leads):
                        matches[key] |= set((leads - leads.browse(saved)).filtered_domain(domain).ids)
                    if saved:
                        compiled[saved].append((index[key], Lead._search(domain)))
                except RULE_ERRORS as error:
                    if isinstance(error, psycopg2.Error):
                        raise
                    errors[key] = str(error)
            return compiled

        def run(compiled):
            selects = [match_select(queries, ids) for ids, queries in compiled.items()]
            selects = [select for select in selects if select is not None]
            if selects:
                self.env.cr.execute(SQL(" UNION ALL ").join(selects))
                for position, lead_id in self.env.cr.fetchall():
                    matches[keys[position]].add(lead_id)

        keys = list(conditions)
        index = {key: position for position, key in enumerate(keys)}
        # The statement runs on the database, whatever the domains read:
        # pending ORM writes go first.
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                run(compile_all(keys))
        except RULE_ERRORS as error:
            if not isinstance(error, psycopg2.Error):
                raise
            for key in keys:  # rare: find the failing condition
                if key in errors:
                    continue
                matches[key] = set()
                try:
                    with self.env.cr.savepoint(flush=False):
                        run(compile_all([key]))
                except RULE_ERRORS as key_error:
                    errors[key] = str(key_error)
                    matches[key] = set()
        return matches, errors

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

    def _routing_whereabouts(self):
        """Where routing sent the lead, in words, for the user who saved it."""
        self.ensure_one()
        where = self.user_id.name or self.partner_assigned_id.display_name or self.team_id.name
        if self.routing_state == "nurture":
            where = _("marketing nurture")
        return _(
            "Routing sent \"%(lead)s\" to %(where)s (rule \"%(rule)s\"). You can no longer open it.",
            lead=self.name, where=where or _("nobody yet"), rule=self.routing_rule_id.name or "-",
        )
