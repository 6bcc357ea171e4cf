# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools.domain import check_lead_domain


class CrmAlignmentRuleMixin(models.AbstractModel):
    """What lead definition criteria, scoring rules and routing rules share:

    - a condition on leads typed in Odoo's domain editor, checked at save;
      an active flag and a company;
    - a change that matters to leads bumps their companies' version, so the
      pipeline job re-evaluates, rescores and reroutes open leads
      (``_alignment_changed``; criteria also refresh the definition shown
      on forms);
    - run-time health: a rule that fails when it runs (a field removed by an
      uninstalled module, an archived target) is skipped, and why is shown on
      the rule until it runs fine again.
    """

    _name = "crm.alignment.rule.mixin"
    _description = "Lead Definition and Alignment Rule"

    # Fields whose change affects the leads (the models add their own).
    _lead_affecting_fields = frozenset({"domain", "active", "company_id"})
    # Whether an empty condition (every lead) is allowed.
    _allow_empty_domain = True

    domain = fields.Char(
        string="Condition", required=True, default="[]",
        help="The leads this applies to, on any lead field (lead properties included).")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )
    error_message = fields.Text(
        "Last Error", readonly=True, copy=False,
        help="Why the rule was skipped the last time it ran. Cleared when it runs fine again.")
    error_date = fields.Datetime(readonly=True, copy=False)

    @api.constrains("domain")
    def _check_domain(self):
        for record in self:
            check_lead_domain(self.env, record.domain, record.name, allow_empty=self._allow_empty_domain)

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        companies = rules._affects_leads().company_id
        if companies:
            rules._alignment_changed(companies)
        return rules

    def write(self, vals):
        companies = self._affects_leads().company_id
        res = super().write(vals)
        companies |= self._affects_leads().company_id
        if companies and self._lead_affecting_fields & set(vals):
            self._alignment_changed(companies)
        return res

    def unlink(self):
        companies = self._affects_leads().company_id
        res = super().unlink()
        if companies:
            self._alignment_changed(companies)
        return res

    def _affects_leads(self):
        """The records of self whose change matters to leads (all, unless a
        model keeps records aside, as drafts of scoring rules)."""
        return self

    @api.model
    def _alignment_changed(self, companies):
        """Rules of ``companies`` changed: the pipeline job runs their open leads again."""
        companies._scoring_rules_changed()

    def _report_errors(self, errors):
        """Record run-time errors ({rule id: message}) on the rules, and clear
        the error of the other rules of self. Only changed rules are written."""
        now = fields.Datetime.now()
        failed = self.browse(list(errors))
        for rule in failed:  # rare: one write per failing rule
            if rule.error_message != errors[rule.id]:
                rule.sudo().write({"error_message": errors[rule.id], "error_date": now})
        healed = (self - failed).filtered("error_message")
        if healed:
            healed.sudo().write({"error_message": False, "error_date": False})
