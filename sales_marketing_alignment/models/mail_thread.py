# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import escape

from odoo import api, models
from odoo.tools.mail import generate_tracking_message_id

from ..tools.sql import insert_rows


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _message_log_bulk(self, bodies, tracking_values=None):
        """Odoo's ``_message_log_batch`` for the engines' batches of thousands
        of records: the same internal notes (author the current user, subtype
        Note, no notification), with tracking values, written with one INSERT
        of messages and one of tracking values instead of ``create`` row by
        row. ``bodies``: {record id: body}; ``tracking_values``: {record id:
        [values of ``mail.tracking.value._create_tracking_values``]}.
        Like ``_message_log_batch``, it checks no access right: the caller
        has. Returns the messages (sudo)."""
        if not bodies:
            return self.env["mail.message"].sudo()
        author_id, email_from = self._message_compute_author(None, None, raise_on_email=False)
        base = {
            "author_id": author_id,
            "email_from": email_from,
            "model": self._name,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "record_name": False,
            "message_type": "notification",
            "is_internal": True,
            "subject": False,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "email_add_signature": False,
            "message_id": generate_tracking_message_id("message-notify"),
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
        }
        record_ids = list(bodies)
        messages = insert_rows(self.env["mail.message"].sudo(), [
            dict(base, res_id=record_id, body=escape(bodies[record_id])) for record_id in record_ids])
        if tracking_values:
            message_ids = dict(zip(record_ids, messages.ids))
            insert_rows(self.env["mail.tracking.value"].sudo(), [
                dict(values, mail_message_id=message_ids[record_id])
                for record_id, values_list in tracking_values.items() for values in values_list])
        # As mail.message's create does (_invalidate_documents).
        self.browse(record_ids).invalidate_recordset(
            ["message_ids", "message_needaction", "message_needaction_counter"])
        return messages
