# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools.constants import DISTRIBUTIONS, ROUTABLE_STAGES, ROUTING_PARAM, ROUTING_TARGETS, RULE_ERRORS, SCORE_BOUND
from ..tools.domain import eval_domain


class CrmRoutingRule(models.Model):
    """Where a scored lead goes (paper 000, "Define Quality"): the first rule,
    by sequence, whose condition and score range the lead matches decides."""

    _name = "crm.routing.rule"
    _inherit = ["crm.alignment.rule.mixin", "mail.thread"]
    # A change of these reroutes open leads through the scoring job.
    _lead_affecting_fields = frozenset({
        "sequence", "domain", "score_min", "score_max", "target", "team_id", "user_id", "partner_id",
        "distribution", "override_manual", "active", "company_id",
    })
    _description = "Lead Routing Rule"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    domain = fields.Char(
        help="The leads this rule routes, on any lead field. Empty: every lead in the score range.",
    )
    score_min = fields.Integer(
        "Minimum Score", default=-SCORE_BOUND, help="Lowest lead score this rule routes (included).")
    score_max = fields.Integer(
        "Maximum Score", default=SCORE_BOUND, help="Highest lead score this rule routes (included).")
    target = fields.Selection(
        ROUTING_TARGETS, required=True, default="team",
        help="Sales team: a member of the team, by the distribution below. Salesperson: one person. "
        "Channel partner: the lead is forwarded to a partner (Assigned Partner). "
        "Marketing nurture: the lead goes back to marketing (lifecycle Nurture).",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", ondelete="restrict",
        help="Team of the lead; for a salesperson or partner target, optional.")
    user_id = fields.Many2one("res.users", string="Salesperson", ondelete="restrict")
    partner_id = fields.Many2one("res.partner", string="Channel Partner", ondelete="restrict")
    distribution = fields.Selection(
        DISTRIBUTIONS, required=True, default="round_robin",
        help="Round-robin: members take turns. By remaining capacity: the member with the most room "
        "under their capacity (the team member's Capacity, read as open leads) gets the lead; "
        "when everybody is full the lead waits in the team without a salesperson.",
    )
    override_manual = fields.Boolean(
        "Override Manual Assignment",
        help="Route leads a person assigned by hand too. Off: a hand-made assignment is kept.")
    lead_count = fields.Integer("Routed Leads", compute="_compute_lead_count")

    def _compute_lead_count(self):
        counts = dict(self.env["crm.lead"]._read_group(
            [("routing_rule_id", "in", self.ids)], ["routing_rule_id"], ["__count"]))
        for rule in self:
            rule.lead_count = counts.get(rule, 0)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("score_min", "score_max")
    def _check_score_range(self):
        for rule in self:
            if rule.score_min > rule.score_max:
                raise ValidationError(_(
                    "Routing rule \"%(name)s\": the minimum score (%(min)s) is above the maximum "
                    "score (%(max)s).", name=rule.name, min=rule.score_min, max=rule.score_max))

    @api.constrains("target", "team_id", "user_id", "partner_id", "company_id", "active")
    def _check_target(self):
        self._check_runnable()

    def _check_runnable(self):
        """The rule's target exists, is active and works for the rule's company
        (checked at save, and again when the rule runs)."""
        for rule in self.filtered("active"):
            company = rule.company_id
            if rule.target == "team" and not rule.team_id:
                raise ValidationError(_("Routing rule \"%(name)s\" sends leads to a sales team: choose the team.",
                                        name=rule.name))
            if rule.target == "user" and not rule.user_id:
                raise ValidationError(_("Routing rule \"%(name)s\" sends leads to a salesperson: choose who.",
                                        name=rule.name))
            if rule.target == "partner" and not rule.partner_id:
                raise ValidationError(_("Routing rule \"%(name)s\" forwards leads to a channel partner: "
                                        "choose the partner.", name=rule.name))
            team, user, partner = rule.team_id, rule.user_id, rule.partner_id
            if team and (not team.active or team.company_id not in (company, team.company_id.browse())):
                raise ValidationError(_(
                    "Routing rule \"%(name)s\": sales team \"%(team)s\" is archived or belongs to "
                    "another company.", name=rule.name, team=team.display_name))
            if user and (not user.active or company not in user.company_ids):
                raise ValidationError(_(
                    "Routing rule \"%(name)s\": salesperson \"%(user)s\" is archived or cannot work "
                    "for %(company)s.", name=rule.name, user=user.display_name, company=company.name))
            if partner and (not partner.active or partner.company_id not in (company, partner.company_id.browse())):
                raise ValidationError(_(
                    "Routing rule \"%(name)s\": partner \"%(partner)s\" is archived or belongs to "
                    "another company.", name=rule.name, partner=partner.display_name))

    # ------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache("company_id")
    def _get_rule_ids(self, company_id):
        """Ids of the active routing rules of a company, in order. Cached."""
        return tuple(self.sudo().with_context(active_test=True).search([("company_id", "=", company_id)]).ids)

    @api.model
    def _routing_enabled(self):
        """Whether leads are routed by these rules (Settings); when not, Odoo's
        own rule-based assignment may assign them instead."""
        return self.env["ir.config_parameter"].sudo().get_param(ROUTING_PARAM, "True") == "True"

    @api.model
    def _route(self, leads):
        """Send each lead not yet accepted by sales where the first matching
        routing rule of its company says. A lead whose decision did not change
        is left alone, so routing again is harmless."""
        if not self._routing_enabled():
            return
        leads = leads.filtered(lambda lead: lead.active and lead.lifecycle_stage in ROUTABLE_STAGES)
        decisions, errors, ran = {}, {}, self.browse()
        by_company = leads.grouped(lambda lead: lead._definition_company_id())
        conditions = {}
        for company_id, company_leads in by_company.items():
            for rule in self.sudo().browse(self._get_rule_ids(company_id)):
                candidates = company_leads.filtered(lambda lead, r=rule: r.score_min <= lead.score <= r.score_max)
                if not candidates:
                    continue
                try:
                    rule._check_runnable()
                    conditions[rule.id] = (candidates, eval_domain(rule.domain, self.env))
                except RULE_ERRORS as error:  # skip the rule, route the rest
                    errors[rule.id] = str(error)
        # Every rule of the batch matched in one statement; the first matching
        # rule of each lead, in order, decides.
        matches, match_errors = leads._match_domains(conditions)
        errors.update(match_errors)
        for company_id, company_leads in by_company.items():
            rules = self.sudo().browse(self._get_rule_ids(company_id))
            if not rules:
                continue  # routing not used in this company
            remaining = company_leads
            for rule in rules:
                if rule.id in errors:
                    continue
                ran |= rule
                if rule.id not in conditions:
                    continue
                matched = remaining.filtered(lambda lead, ids=matches[rule.id]: lead.id in ids)
                for lead in matched:
                    decisions[lead] = rule
                remaining -= matched
            for lead in remaining:
                decisions[lead] = self.browse()
        (ran | self.sudo().browse(list(errors)))._report_errors(errors)
        changed = [
            (lead, rule) for lead, rule in decisions.items()
            if not lead.date_routed or lead.routing_rule_id != rule or lead.routing_state in ("team", "queued")
            or (not rule and lead.routing_state != "unmatched")
            or (rule and rule.override_manual and lead.assignment_manual)
            or (lead.routing_state == "kept" and not lead.assignment_manual)
        ]
        # Another rule now matches, but it sends the lead where it already is
        # (same salesperson, team member, partner or nurture): the rule is
        # noted on the lead, nothing moves and nothing is logged.
        same_place = defaultdict(list)
        by_rule = defaultdict(list)
        for lead, rule in changed:
            if lead.date_routed and rule and lead.routing_rule_id != rule and rule._keeps_in_place(lead):
                same_place[rule].append(lead.id)
            else:
                by_rule[rule].append(lead.id)
        for rule, lead_ids in same_place.items():
            leads.browse(lead_ids).write({"routing_rule_id": rule.id})
        logs = []
        for rule, lead_ids in by_rule.items():
            # Oldest leads first: they take the first turns of a team.
            logs += rule._route_with(leads.browse(sorted(lead_ids)))
        self.env["crm.lead.routing.log"]._log_routing(logs)

    def _keeps_in_place(self, lead):
        """Whether this rule would send ``lead`` where it already is."""
        self.ensure_one()
        if lead.routing_state == "kept":
            return lead.assignment_manual and not self.override_manual
        if self.target == "user":
            return lead.routing_state == "assigned" and lead.user_id == self.user_id \
                and (not self.team_id or lead.team_id == self.team_id)
        if self.target == "team":
            return lead.routing_state == "assigned" and lead.team_id == self.team_id \
                and lead.user_id in self.team_id.crm_team_member_ids.filtered(
                    lambda m: not m.assignment_optout).user_id
        if self.target == "partner":
            return lead.routing_state == "partner" and lead.partner_assigned_id == self.partner_id
        return lead.routing_state == "nurture"

    @api.model
    def _write_decision(self, leads, vals):
        """Write a routing decision ``vals`` on ``leads``, leaving the
        salesperson and the team out for the leads that already have both.
        Odoo's write marks a written field modified even when its value does
        not change, and ``user_id`` and ``team_id`` start crm's recomputes
        (team, stage, probabilities and prorated revenue, opening date, SLA
        deadlines): for nothing when the lead stays with the same person, as
        most leads sent to nurture do (no salesperson before, none after).
        A lead that moves gets both, together: a salesperson written alone
        would let crm pick the team (``_compute_team_id``)."""
        moving = [fname for fname in ("user_id", "team_id") if fname in vals]
        staying = leads.filtered(
            lambda lead: moving and all(lead[fname].id == (vals[fname] or False) for fname in moving))
        if leads - staying:
            (leads - staying).write(vals)
        if staying:
            staying.write({fname: value for fname, value in vals.items() if fname not in moving})

    def _route_with(self, leads):
        """Apply this rule's decision (no rule: unmatched) to ``leads``; returns
        the log values."""
        Log = self.env["crm.lead.routing.log"]
        now = fields.Datetime.now()
        if not self:
            leads.write({"routing_rule_id": False, "routing_state": "unmatched", "date_routed": now})
            reason = _("No routing rule matches this lead.")
            return [Log._routing_log_vals(lead, self, "unmatched", reason) for lead in leads]
        self.ensure_one()
        logs = []
        kept = leads.filtered(lambda lead: lead.assignment_manual and lead.user_id and not self.override_manual)
        if kept:
            kept.write({"routing_rule_id": self.id, "routing_state": "kept", "date_routed": now})
            logs += [Log._routing_log_vals(lead, self, "kept", _(
                "%(user)s was assigned by hand; the rule does not override manual assignments.",
                user=lead.user_id.name)) for lead in kept]
        leads -= kept
        if not leads:
            return logs
        base = {"routing_rule_id": self.id, "date_routed": now}
        prev_users = {lead.id: lead.user_id for lead in leads}
        if self.target == "user":
            vals = dict(base, routing_state="assigned", user_id=self.user_id.id, assignment_manual=False)
            if self.team_id:
                vals["team_id"] = self.team_id.id
            self._write_decision(leads, vals)
            # The same reason for every lead: translated once.
            reason = _("Rule \"%(rule)s\" assigns it to %(user)s.", rule=self.name, user=self.user_id.name)
            logs += [Log._routing_log_vals(lead, self, "assigned", reason, previous_user=prev_users[lead.id])
                     for lead in leads]
        elif self.target == "partner":
            vals = dict(base, routing_state="partner", partner_assigned_id=self.partner_id.id,
                        date_partner_assign=fields.Date.context_today(self))
            if self.team_id:
                vals["team_id"] = self.team_id.id
            self._write_decision(leads, vals)
            reason = _("Rule \"%(rule)s\" forwards it to partner %(partner)s.", rule=self.name,
                       partner=self.partner_id.display_name)
            logs += [Log._routing_log_vals(lead, self, "partner", reason) for lead in leads]
        elif self.target == "nurture":
            self._write_decision(leads, dict(base, routing_state="nurture", user_id=False, assignment_manual=False))
            leads._set_lifecycle_stage("nurture", "routing", strict=False)
            reason = _("Rule \"%(rule)s\" sends it to marketing for nurturing.", rule=self.name)
            logs += [Log._routing_log_vals(lead, self, "nurture", reason, previous_user=prev_users[lead.id])
                     for lead in leads]
        else:
            logs += self.team_id._route_to_team(leads, self, base)
        return logs
