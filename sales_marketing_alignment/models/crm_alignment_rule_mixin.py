# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class CrmAlignmentRuleMixin(models.AbstractModel):
    """What scoring and routing rules share:

    - a change of the rules that matters to leads bumps their companies'
      scoring version, so the scoring job rescores and reroutes open leads;
    - run-time health: a rule that fails when it runs (a field removed by an
      uninstalled module, an archived target) is skipped, and why is shown on
      the rule until it runs fine again.
    """

    _name = "crm.alignment.rule.mixin"
    _description = "Scoring and Routing Rule"

    # Fields whose change affects the leads (the rules' own models set them).
    _lead_affecting_fields = frozenset({"domain", "active", "company_id"})

    error_message = fields.Text(
        "Last Error", readonly=True, copy=False,
        help="Why the rule was skipped the last time it ran. Cleared when it runs fine again.")
    error_date = fields.Datetime(readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules.company_id._scoring_rules_changed()
        return rules

    def write(self, vals):
        companies = self.company_id
        res = super().write(vals)
        if self._lead_affecting_fields & set(vals):
            (companies | self.company_id)._scoring_rules_changed()
        return res

    def unlink(self):
        companies = self.company_id
        res = super().unlink()
        companies._scoring_rules_changed()
        return res

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
