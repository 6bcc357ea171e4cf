# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """The first activity completed on an assigned lead is its first touch
        (answering a hand-off or closing an SLA to-do is not a touch)."""
        bookkeeping = {
            self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            for xmlid in ("sales_marketing_alignment.mail_activity_type_handoff",
                          "sales_marketing_alignment.mail_activity_type_sla_breach")}
        lead_ids = {activity.res_id for activity in self
                    if activity.res_model == "crm.lead" and activity.activity_type_id.id not in bookkeeping}
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if lead_ids:
            leads = self.env["crm.lead"].sudo().browse(lead_ids).exists().filtered(
                lambda lead: lead.date_open and not lead.date_first_touch)
            if leads:
                leads.write({"date_first_touch": fields.Datetime.now()})
        return result

    def action_done_tag_messages(self):
        """Mark the activity done (the note is logged as Odoo logs it), then
        tag the key messages used on it: the "Done & Tag Messages" button of
        the activity dialog, on leads."""
        self.ensure_one()
        if self.res_model != "crm.lead":
            return self.action_done()
        lead = self.env["crm.lead"].browse(self.res_id)
        lead.check_access("write")
        activity_type = self.activity_type_id
        self.action_done()
        return self.env["crm.message.tag"]._action_open(lead, activity_type)
