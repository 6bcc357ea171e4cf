# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools.constants import ROUTING_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sla_first_touch_hours = fields.Float(related="company_id.sla_first_touch_hours", readonly=False)
    sla_feedback_days = fields.Float(related="company_id.sla_feedback_days", readonly=False)
    mql_threshold = fields.Integer(related="company_id.mql_threshold", readonly=False)
    score_grade_a = fields.Integer(related="company_id.score_grade_a", readonly=False)
    score_grade_b = fields.Integer(related="company_id.score_grade_b", readonly=False)
    score_grade_c = fields.Integer(related="company_id.score_grade_c", readonly=False)
    quick_action_inline_count = fields.Integer(related="company_id.quick_action_inline_count", readonly=False)
    attribution_model = fields.Selection(related="company_id.attribution_model", readonly=False)
    attribution_half_life_days = fields.Float(related="company_id.attribution_half_life_days", readonly=False)
    attribution_lookback_days = fields.Integer(related="company_id.attribution_lookback_days", readonly=False)
    alignment_feedback_threshold = fields.Float(related="company_id.alignment_feedback_threshold", readonly=False)
    alignment_sla_threshold = fields.Float(related="company_id.alignment_sla_threshold", readonly=False)
    alignment_attribution_threshold = fields.Float(
        related="company_id.alignment_attribution_threshold", readonly=False)
    alignment_calibration_threshold = fields.Float(
        related="company_id.alignment_calibration_threshold", readonly=False)
    # Who assigns leads: the alignment routing rules or Odoo's own rule-based
    # assignment (crm_use_auto_assignment). Never both: turning one on turns
    # the other off.
    alignment_routing = fields.Boolean(
        help="Route leads with the alignment routing rules. Odoo's rule-based assignment is "
        "switched off while this is on.")

    @api.model
    def get_values(self):
        res = super().get_values()
        res["alignment_routing"] = self.env["crm.routing.rule"]._routing_enabled()
        return res

    @api.onchange("alignment_routing")
    def _onchange_alignment_routing(self):
        if self.alignment_routing:
            self.crm_use_auto_assignment = False

    @api.onchange("crm_use_auto_assignment")
    def _onchange_crm_use_auto_assignment(self):
        if self.crm_use_auto_assignment:
            self.alignment_routing = False

    def set_values(self):
        res = super().set_values()
        # Asking for Odoo's rule-based assignment switches the alignment routing off.
        routing = bool(self.alignment_routing and not self.crm_use_auto_assignment)
        self.env["ir.config_parameter"].sudo().set_param(ROUTING_PARAM, str(routing))
        return res
