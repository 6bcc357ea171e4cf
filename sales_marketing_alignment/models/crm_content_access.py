# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools.constants import ACCESS_ORIGINS


class CrmContentAccess(models.Model):
    """A prospect opened a content item (who, when, from which lead): the
    implicit preferences nurturing and the usage reports read."""

    _name = "crm.content.access"
    _description = "Sales Content Access"
    _order = "date desc, id desc"
    _rec_name = "content_id"

    content_id = fields.Many2one("crm.content", required=True, ondelete="cascade", index=True)
    lead_id = fields.Many2one("crm.lead", ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Opened By", ondelete="set null", index="btree_not_null")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    origin = fields.Selection(ACCESS_ORIGINS, required=True, default="other")
    share_id = fields.Many2one("crm.content.share", ondelete="set null", index="btree_not_null")
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        lead_ids = {vals["lead_id"] for vals in vals_list if vals.get("lead_id")}
        content_ids = {vals["content_id"] for vals in vals_list if vals.get("content_id")}
        company_by_lead = {lead.id: lead.company_id.id for lead in self.env["crm.lead"].sudo().browse(lead_ids)}
        company_by_content = {
            content.id: content.company_id.id for content in self.env["crm.content"].sudo().browse(content_ids)}
        for vals in vals_list:
            if "company_id" not in vals:
                vals["company_id"] = (company_by_lead.get(vals.get("lead_id"))
                                      or company_by_content.get(vals.get("content_id")) or False)
        return super().create(vals_list)
