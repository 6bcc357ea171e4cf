# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools


class CrmNurtureSend(models.Model):
    """One step sent to one enrolled lead (one line per item it carried):
    what the track statistics count (sent, opened links, accesses), and
    what makes the job idempotent (a step is sent once per enrollment)."""

    _name = "crm.nurture.send"
    _description = "Nurture Mail Sent"
    _order = "date desc, id desc"
    _rec_name = "step_id"

    enrollment_id = fields.Many2one("crm.nurture.enrollment", required=True, ondelete="cascade", index=True)
    track_id = fields.Many2one("crm.nurture.track", required=True, ondelete="cascade", index=True)
    step_id = fields.Many2one("crm.nurture.step", required=True, ondelete="cascade", index=True)
    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    content_id = fields.Many2one("crm.content", ondelete="set null", index="btree_not_null")
    share_id = fields.Many2one("crm.content.share", ondelete="set null", index="btree_not_null")
    mail_id = fields.Many2one("mail.mail", ondelete="set null", index="btree_not_null")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    access_count = fields.Integer("Accesses", readonly=True)
    date_first_access = fields.Datetime("First Access", readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    def init(self):
        # The job's guarantee: a step's item (or its template alone) goes
        # once to an enrollment, whatever runs the job twice.
        tools.create_unique_index(
            self.env.cr, "crm_nurture_send_step_uniq", self._table,
            ["enrollment_id", "step_id", "COALESCE(content_id, 0)"])
