# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Default follow-up SLA of new sales teams
    sla_first_touch_hours = fields.Float("First Touch SLA (working hours)", default=4.0)
    sla_feedback_days = fields.Float("Feedback SLA (days)", default=2.0)
