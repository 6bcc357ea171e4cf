# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmContentShareWizard(models.TransientModel):
    """Pick published content items to share with a lead's contact; then
    Odoo's composer opens with a tracked link per item."""

    _name = "crm.content.share.wizard"
    _description = "Share Sales Content"

    lead_id = fields.Many2one("crm.lead", required=True, readonly=True)
    company_id = fields.Many2one(related="lead_id.company_id")
    suggested_content_ids = fields.Many2many(related="lead_id.suggested_content_ids")
    content_ids = fields.Many2many(
        "crm.content", string="Items",
        domain="[('state', '=', 'published'), ('company_id', 'in', [company_id, False])]")

    def action_share(self):
        self.ensure_one()
        return self.lead_id.action_share_content(self.content_ids.ids)
