# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.constants import OBJECTIONS, REACTIONS


class CrmMessageTag(models.TransientModel):
    """Tag a call or meeting with the key messages used and the customer's
    reaction, in one step (from the lead, or after "Done & Tag Messages" on
    the activity dialog)."""

    _name = "crm.message.tag"
    _description = "Tag Key Messages Used"

    lead_id = fields.Many2one("crm.lead", required=True, readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity")
    message_ids = fields.Many2many("crm.message", string="Key Messages",
                                   domain="[('company_id', 'in', [company_id, False])]")
    company_id = fields.Many2one(related="lead_id.company_id")
    reaction = fields.Selection(REACTIONS, required=True, default="resonated")
    objection = fields.Selection(OBJECTIONS)

    @api.model
    def _action_open(self, lead, activity_type=None):
        """The wizard's window action for a lead."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Tag call"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_lead_id": lead.id,
                "default_activity_type_id": (activity_type or self.env.ref("mail.mail_activity_data_call")).id,
            },
        }

    def action_tag(self):
        """One use per message, with the same reaction."""
        self.ensure_one()
        if not self.message_ids:
            raise UserError(_("Pick the key messages you used on the call."))
        self.env["crm.message.use"].create([{
            "lead_id": self.lead_id.id,
            "message_id": message.id,
            "activity_type_id": self.activity_type_id.id,
            "reaction": self.reaction,
            "objection": self.objection if self.reaction == "objection" else False,
        } for message in self.message_ids])
        return {"type": "ir.actions.act_window_close"}
