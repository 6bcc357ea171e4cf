# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools.domain import check_lead_domain, domain_field_names, eval_domain

POINTS_LIMIT = 1000
DIMENSIONS = [("fit", "Fit"), ("engagement", "Engagement")]


class CrmScoringRule(models.Model):
    """One rule of the explainable lead score (paper 000, "Define Quality").

    A lead gets the rule's points while it matches the rule's condition. Fit
    rules describe who the lead is, engagement rules what it did; engagement
    points may halve every ``half_life_days`` since the lead started matching.
    """

    _name = "crm.scoring.rule"
    _inherit = ["crm.alignment.rule.mixin"]
    _lead_affecting_fields = frozenset({"domain", "points", "half_life_days", "dimension", "active", "company_id"})
    _description = "Lead Scoring Rule"
    _order = "dimension, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    dimension = fields.Selection(
        DIMENSIONS, required=True, default="fit",
        help="Fit: who the lead is (industry, size, role, budget). "
        "Engagement: what the lead did (campaign responses, meetings, replies).",
    )
    domain = fields.Char(
        string="Condition", required=True, default="[]",
        help="The leads this rule applies to, on any lead field.",
    )
    points = fields.Integer(
        required=True, default=10,
        help="Points a matching lead gets, between -1000 and 1000: negative points mark a poor fit.",
    )
    half_life_days = fields.Integer(
        "Half-life (days)", default=0,
        help="Engagement only: the points halve every this many days after the lead started "
        "matching the rule. 0: no decay.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )
    description = fields.Text(translate=True, help="Why this rule matters, for sales and marketing.")

    lead_count = fields.Integer("Matching Leads", compute="_compute_lead_count")

    def _compute_lead_count(self):
        counts = dict(self.env["crm.lead.score.line"]._read_group(
            [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]))
        for rule in self:
            rule.lead_count = counts.get(rule, 0)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("domain")
    def _check_domain(self):
        for rule in self:
            check_lead_domain(self.env, rule.domain, rule.name, allow_empty=False)

    @api.constrains("points")
    def _check_points(self):
        for rule in self:
            if abs(rule.points) > POINTS_LIMIT:
                raise ValidationError(_(
                    "Scoring rule \"%(name)s\" gives %(points)s points: points must be between "
                    "-1000 and 1000.", name=rule.name, points=rule.points))

    @api.constrains("dimension", "half_life_days")
    def _check_half_life(self):
        for rule in self:
            if rule.half_life_days < 0:
                raise ValidationError(_(
                    "The half-life of scoring rule \"%(name)s\" cannot be negative.", name=rule.name))
            if rule.dimension == "fit" and rule.half_life_days:
                raise ValidationError(_(
                    "Scoring rule \"%(name)s\" is a fit rule: who a lead is does not fade. "
                    "Only engagement rules can have a half-life.", name=rule.name))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [dict(vals, name=_("%s (copy)", rule.name)) for rule, vals in zip(self, vals_list)]

    # ------------------------------------------------------------
    # ENGINE SUPPORT
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache("company_id")
    def _get_rules(self, company_id):
        """Active rules of a company as a tuple of (id, dimension, domain string,
        points, half-life). Cached; cleared when rules change."""
        rules = self.sudo().with_context(active_test=True).search(
            [("company_id", "=", company_id)], order="sequence, id")
        return tuple((r.id, r.dimension, r.domain, r.points, r.half_life_days) for r in rules)

    @api.model
    @tools.ormcache()
    def _get_engine_info(self):
        """(whether any scoring or routing rule is active, in any company; the
        lead fields those rules read). Writing one of these fields rescores and
        reroutes the lead. Cached; cleared when rules change."""
        names, has_rules = set(), False
        for model in ("crm.scoring.rule", "crm.routing.rule"):
            for rule in self.env[model].sudo().with_context(active_test=True).search([]):
                has_rules = True
                try:
                    names |= domain_field_names(eval_domain(rule.domain, self.env))
                except Exception:  # noqa: BLE001 - a broken rule is reported when it runs
                    continue
        names.discard("id")
        return has_rules, frozenset(names)
