# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmPurchaseTrigger(models.Model):
    """Why a prospect buys now: the codified purchase trigger of a lead."""

    _name = "crm.purchase.trigger"
    _description = "Purchase Trigger"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A purchase trigger with this name already exists."),
    ]
