# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # The attribution report reads each won deal's orders by opportunity
    # (sale_crm leaves the column without an index).
    opportunity_id = fields.Many2one(index="btree_not_null")
