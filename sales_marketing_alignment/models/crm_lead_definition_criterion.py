# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.osv import expression

from ..tools.constants import RULE_ERRORS
from ..tools.domain import domain_field_names, eval_domain


class CrmLeadDefinitionCriterion(models.Model):
    """One element of the universal lead definition (paper 000, step 1).

    An inquiry becomes a lead when it meets every active must-have criterion
    of its company; nice-to-have criteria only count towards completeness.
    """

    _name = "crm.lead.definition.criterion"
    _inherit = ["crm.alignment.rule.mixin"]
    _lead_affecting_fields = frozenset({"domain", "requirement", "active", "company_id"})
    _allow_empty_domain = False
    _description = "Lead Definition Criterion"
    _order = "requirement, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    domain = fields.Char(
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
    @api.model
    def _alignment_changed(self, companies):
        # The forms show the new definition at once; the job moves the leads.
        companies._lead_definition_changed()

    # ------------------------------------------------------------
    # DEFINITION
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache("company_id")
    def _get_definition(self, company_id):
        """Active criteria of a company as a tuple of (id, requirement, domain string),
        with the set of lead fields the must-haves read. Cached; cleared on change."""
        criteria = self.sudo().with_context(active_test=True).search([("company_id", "=", company_id)])
        rows = tuple((c.id, c.requirement, c.domain) for c in criteria)
        must_fields = frozenset(
            name for c in criteria if c.requirement == "must"
            for name in domain_field_names(eval_domain(c.domain, self.env))
        )
        return rows, must_fields

    @api.model
    @tools.ormcache()
    def _get_definition_info(self):
        """(whether any company has a must-have criterion; the lead fields the
        must-haves of all companies read). Writing one of these fields runs
        the lead through the pipeline. Cached; cleared when criteria change."""
        criteria = self.sudo().with_context(active_test=True).search([("requirement", "=", "must")])
        names = set()
        for criterion in criteria:
            try:
                names |= domain_field_names(eval_domain(criterion.domain, self.env))
            except RULE_ERRORS:
                continue  # checked at save; a field removed since is reported by the job
        names.discard("id")
        return bool(criteria), frozenset(names)

    @api.model
    def _get_must_domain(self, company_id):
        """The must-haves of a company as one domain (None when there are none)."""
        rows, _fields = self._get_definition(company_id)
        musts = [eval_domain(domain, self.env) for _id, req, domain in rows if req == "must"]
        return expression.AND(musts) if musts else None

    @api.model
    def _definition_scopes(self, companies):
        """(lead scope domain, must-have domain or None) for each company."""
        scopes = []
        for company in companies:
            scope = [("company_id", "=", company.id)]
            if company == self.env.company:
                scope = expression.OR([scope, [("company_id", "=", False)]])
            scopes.append((scope, self._get_must_domain(company.id)))
        return scopes

    @api.model
    def _definition_matches(self, leads):
        """{lead id: set of met criterion ids}, one query per criterion per company."""
        matches = defaultdict(set)
        for company_id, company_leads in leads.grouped(lambda lead: lead._definition_company_id()).items():
            rows, _must_fields = self._get_definition(company_id)
            for criterion_id, _req, domain in rows:
                for lead in company_leads._filter_domain_batch(eval_domain(domain, self.env)):
                    matches[lead.id].add(criterion_id)
        return matches

    @api.model
    def _sync_definition_lifecycle(self, leads):
        """The pipeline's first step: open leads at Inquiry that now meet the
        must-haves of their company become Leads, Leads that no longer do
        become Inquiries. One query per company."""
        leads = leads.filtered(lambda lead: lead.active and lead.lifecycle_stage in ("inquiry", "lead"))
        to_lead, to_inquiry = leads.browse(), leads.browse()
        for company_id, company_leads in leads.grouped(lambda lead: lead._definition_company_id()).items():
            must = self._get_must_domain(company_id)
            meeting = company_leads._filter_domain_batch(must) if must else company_leads
            to_lead |= meeting.filtered(lambda lead: lead.lifecycle_stage == "inquiry")
            to_inquiry |= (company_leads - meeting).filtered(lambda lead: lead.lifecycle_stage == "lead")
        to_lead._set_lifecycle_stage("lead", "definition", strict=False)
        to_inquiry._set_lifecycle_stage("inquiry", "definition", strict=False)
