# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models, tools
from odoo.osv import expression

from ..tools.domain import check_lead_domain, domain_field_names, eval_domain


class CrmLeadDefinitionCriterion(models.Model):
    """One element of the universal lead definition (paper 000, step 1).

    An inquiry becomes a lead when it meets every active must-have criterion
    of its company; nice-to-have criteria only count towards completeness.
    """

    _name = "crm.lead.definition.criterion"
    _description = "Lead Definition Criterion"
    _order = "requirement, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    domain = fields.Char(
        required=True,
        default="[]",
        help="Condition a lead must satisfy to meet this criterion, on any lead "
        "field (lead properties included).",
    )
    requirement = fields.Selection(
        [("must", "Must-have"), ("nice", "Nice-to-have")],
        required=True,
        default="must",
    )
    description = fields.Text(
        translate=True,
        help="Why this criterion matters, shown to reps next to missing criteria.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("domain")
    def _check_domain(self):
        for criterion in self:
            check_lead_domain(self.env, criterion.domain, criterion.name, allow_empty=False)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        criteria = super().create(vals_list)
        self._definition_changed(criteria.company_id)
        return criteria

    def write(self, vals):
        companies = self.company_id
        res = super().write(vals)
        if {"domain", "requirement", "active", "company_id"} & set(vals):
            self._definition_changed(companies | self.company_id)
        return res

    def unlink(self):
        companies = self.company_id
        res = super().unlink()
        self._definition_changed(companies)
        return res

    # ------------------------------------------------------------
    # DEFINITION
    # ------------------------------------------------------------

    @api.model
    def _definition_changed(self, companies):
        self.env.registry.clear_cache()
        Lead = self.env["crm.lead"]
        Lead.invalidate_model([name for name in Lead._fields if name.startswith("definition_")]
                              + ["meets_definition"])
        if companies:
            self.env["crm.lead"]._sync_definition_lifecycle(companies)

    @api.model
    @tools.ormcache("company_id")
    def _get_definition(self, company_id):
        """Active criteria of a company as a tuple of (id, requirement, domain string),
        with the set of lead fields the must-haves read. Cached; cleared on change."""
        criteria = self.sudo().search([("company_id", "=", company_id)])
        rows = tuple((c.id, c.requirement, c.domain) for c in criteria)
        must_fields = frozenset(
            name for c in criteria if c.requirement == "must"
            for name in domain_field_names(eval_domain(c.domain, self.env))
        )
        return rows, must_fields

    @api.model
    def _get_must_domain(self, company_id):
        """The must-haves of a company as one domain (None when there are none)."""
        rows, _fields = self._get_definition(company_id)
        musts = [eval_domain(domain, self.env) for _id, req, domain in rows if req == "must"]
        return expression.AND(musts) if musts else None
