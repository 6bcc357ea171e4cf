# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmContentTopic(models.Model):
    """What a content item is about ("customer service", "month-end close"):
    accesses to items add their topics to the lead's profile (implicit
    preferences), and prospects pick topics from nurture mails (explicit)."""

    _name = "crm.content.topic"
    _description = "Content Topic"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to use the topic in every company.")

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A topic with this name already exists."),
    ]
