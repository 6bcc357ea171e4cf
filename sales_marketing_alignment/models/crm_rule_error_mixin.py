# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmRuleErrorMixin(models.AbstractModel):
    """Run-time health of a rule the scoring and routing engine runs: a rule
    that fails (a field removed by an uninstalled module, an archived target)
    is skipped, and why is shown on the rule until it runs fine again."""

    _name = "crm.rule.error.mixin"
    _description = "Rule Run-time Errors"

    error_message = fields.Text(
        "Last Error", readonly=True, copy=False,
        help="Why the rule was skipped the last time it ran. Cleared when it runs fine again.")
    error_date = fields.Datetime("Error Date", readonly=True, copy=False)

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
