# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class CrmLeadHandoffReject(models.TransientModel):
    """Reject handed-off leads with a reason picked from a list, no free text."""

    _name = "crm.lead.handoff.reject"
    _description = "Reject Lead Hand-off"

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    reason_id = fields.Many2one("crm.lost.reason", required=True)
    to_stage = fields.Selection(
        [("nurture", "Back to marketing nurture"), ("disqualified", "Disqualify (mark as lost)")],
        string="Send to", required=True, compute="_compute_to_stage", store=True, readonly=False,
    )

    @api.depends("reason_id")
    def _compute_to_stage(self):
        """Where the reason's follow-up sends the lead; the rep may change it."""
        for wizard in self:
            # Nothing is chosen for the rep before they pick a reason.
            if not wizard.reason_id:
                wizard.to_stage = False
            else:
                wizard.to_stage = "nurture" if wizard.reason_id.follow_up == "nurture" else "disqualified"

    def action_confirm(self):
        self.ensure_one()
        self.lead_ids.action_reject_handoff(self.reason_id.id, to_stage=self.to_stage)
        return {"type": "ir.actions.act_window_close"}
