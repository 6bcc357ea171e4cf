# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sla_first_touch_hours = fields.Float(related="company_id.sla_first_touch_hours", readonly=False)
    sla_feedback_days = fields.Float(related="company_id.sla_feedback_days", readonly=False)
    mql_threshold = fields.Integer(related="company_id.mql_threshold", readonly=False)
    score_grade_a = fields.Integer(related="company_id.score_grade_a", readonly=False)
    score_grade_b = fields.Integer(related="company_id.score_grade_b", readonly=False)
    score_grade_c = fields.Integer(related="company_id.score_grade_c", readonly=False)
