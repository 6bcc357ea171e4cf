# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class CrmQuickActionApply(models.TransientModel):
    """Apply one quick action to the leads selected in a list."""

    _name = "crm.quick.action.apply"
    _description = "Apply Quick Action"

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    quick_action_id = fields.Many2one("crm.quick.action", required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "lead_ids" in fields_list and self.env.context.get("active_model") == "crm.lead":
            values["lead_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return values

    def action_apply(self):
        self.ensure_one()
        return self.quick_action_id.action_apply(self.lead_ids.ids)
