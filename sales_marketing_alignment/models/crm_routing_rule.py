# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools.domain import check_lead_domain

SCORE_BOUND = 99999
ROUTING_TARGETS = [
    ("team", "Sales team"),
    ("user", "Salesperson"),
    ("partner", "Channel partner"),
    ("nurture", "Marketing nurture"),
]
DISTRIBUTIONS = [
    ("round_robin", "Round-robin"),
    ("capacity", "By remaining capacity"),
]


class CrmRoutingRule(models.Model):
    """Where a scored lead goes (paper 000, "Define Quality"): the first rule,
    by sequence, whose condition and score range the lead matches decides."""

    _name = "crm.routing.rule"
    _inherit = ["crm.alignment.rule.mixin"]
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
        string="Condition", required=True, default="[]",
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
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )
    lead_count = fields.Integer("Routed Leads", compute="_compute_lead_count")

    def _compute_lead_count(self):
        counts = dict(self.env["crm.lead"]._read_group(
            [("routing_rule_id", "in", self.ids)], ["routing_rule_id"], ["__count"]))
        for rule in self:
            rule.lead_count = counts.get(rule, 0)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("domain")
    def _check_domain(self):
        for rule in self:
            check_lead_domain(self.env, rule.domain, rule.name)

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
    # ENGINE SUPPORT
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache("company_id")
    def _get_rule_ids(self, company_id):
        """Ids of the active routing rules of a company, in order. Cached."""
        return tuple(self.sudo().with_context(active_test=True).search([("company_id", "=", company_id)]).ids)
