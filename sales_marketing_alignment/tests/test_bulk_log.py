# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup

from odoo.tests import tagged

from ..tools.sql import insert_rows
from .common import AlignmentCommon

# What a chatter note is made of, compared between Odoo's log and the bulk one.
MESSAGE_FIELDS = [
    "author_id", "email_from", "reply_to", "model", "message_type", "subtype_id", "is_internal",
    "record_name", "record_company_id", "subject", "email_add_signature", "body", "create_uid",
    "partner_ids", "attachment_ids", "notification_ids", "parent_id",
]


@tagged("post_install", "-at_install", "sma_bulk_log")
class TestBulkLog(AlignmentCommon):
    """The engines write chatter notes, routing decisions and lifecycle rows
    of thousands of leads with one INSERT each (mail.thread._message_log_bulk,
    tools.sql.insert_rows): the rows must be those the ORM writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leads = cls.env["crm.lead"].create([
            {"name": "Bulk log %d" % index, "type": "lead"} for index in range(3)])

    def test_note_is_the_one_odoo_logs(self):
        """A bulk note has every value of the note _message_log_batch writes,
        the body sanitized the same way, and shows in the chatter at once."""
        lead_odoo, lead_bulk, lead_other = self.leads.with_user(self.user_sales_manager)
        body = Markup("<p>Routing: <b>hot</b> lead</p><script>alert(1)</script>")
        odoo_note = lead_odoo._message_log_batch({lead_odoo.id: body})
        odoo_text = lead_odoo._message_log_batch({lead_odoo.id: "a < b"})
        self.assertFalse(lead_bulk.message_ids.filtered(lambda m: "hot" in (m.body or "")))  # cached: empty
        notes = (lead_bulk | lead_other)._message_log_bulk({lead_bulk.id: body, lead_other.id: "a < b"})
        self.assertEqual(notes.mapped("res_id"), [lead_bulk.id, lead_other.id])
        bulk_note = notes[0]
        for name in MESSAGE_FIELDS:
            self.assertEqual(bulk_note[name], odoo_note[name], name)
        self.assertEqual(str(bulk_note.body), "<p>Routing: <b>hot</b> lead</p>")
        self.assertEqual(bulk_note.author_id, self.user_sales_manager.partner_id)
        # A plain string is text, escaped as _message_log_batch escapes it.
        self.assertEqual(notes[1].body, odoo_text.body)
        self.assertIn("a &lt; b", str(notes[1].body))
        # The leads' chatter lists the notes without any cache reset by the test.
        self.assertIn(bulk_note, lead_bulk.message_ids)
        self.assertIn(notes[1], lead_other.message_ids)
        self.assertEqual(lead_bulk.message_ids[0], bulk_note)

    def test_lifecycle_line_is_tracked_like_a_field(self):
        """A lifecycle move logged in bulk is a tracking line (old and new
        stage labels on the lifecycle field), as Odoo's own tracking writes."""
        lead = self.leads[0]
        self.assertEqual(lead.lifecycle_stage, "lead")  # no lead definition: every lead is a lead
        before = lead.message_ids  # in the cache now
        lead._set_lifecycle_stage("nurture", "feedback")
        self.assertEqual(len(lead.message_ids), len(before) + 1)
        message = lead.message_ids[0]
        self.assertEqual(message.message_type, "notification")
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        tracking = message.tracking_value_ids
        self.assertEqual(len(tracking), 1)
        self.assertEqual(tracking.field_id, self.env["ir.model.fields"]._get("crm.lead", "lifecycle_stage"))
        self.assertEqual((tracking.old_value_char, tracking.new_value_char), ("Lead", "Nurture"))
        self.assertEqual(lead.lifecycle_history_ids[0].to_stage, "nurture")
        self.assertEqual(lead.lifecycle_history_ids[0].from_stage, "lead")
        self.assertEqual(lead.lifecycle_history_ids[0].user_id, self.env.user)

    def test_insert_rows_order_defaults_and_refusals(self):
        """insert_rows returns the rows in the order given, fills the
        defaults and log columns, and refuses what it cannot write."""
        Log = self.env["crm.lead.routing.log"].sudo()
        rows = insert_rows(Log, [
            {"lead_id": lead.id, "outcome": "unmatched", "reason": "reason %d" % index}
            for index, lead in enumerate(self.leads)])
        self.assertEqual(rows.mapped("reason"), ["reason 0", "reason 1", "reason 2"])
        self.assertEqual(rows.lead_id, self.leads)
        for row in rows:
            self.assertTrue(row.date)  # default
            self.assertEqual((row.create_uid, row.write_uid), (self.env.user, self.env.user))
            self.assertTrue(row.create_date)
        # The one2many of the lead lists the new row at once.
        self.assertIn(rows[0], self.leads[0].routing_log_ids)
        self.assertEqual(insert_rows(Log, []), Log.browse())
        with self.assertRaises(ValueError):
            insert_rows(self.env["crm.lost.reason"], [{"name": "Translated"}])  # translated field

    def test_queries_do_not_grow_with_the_leads(self):
        """Logging notes with tracking values costs the same queries for one
        lead as for fifty."""
        leads = self.env["crm.lead"].create([{"name": "Many %d" % index, "type": "lead"} for index in range(51)])
        first, leads = leads[0], leads[1:]
        field_info = leads.fields_get(["lifecycle_stage"])["lifecycle_stage"]
        values = self.env["mail.tracking.value"]._create_tracking_values(
            "lead", "mql", "lifecycle_stage", field_info, leads[0])
        first._message_log_bulk({first.id: ""}, tracking_values={first.id: [values]})  # caches warm
        self.env.flush_all()
        with self.assertQueryCount(2):
            leads[:1]._message_log_bulk({leads[0].id: ""}, tracking_values={leads[0].id: [values]})
        self.env.flush_all()
        with self.assertQueryCount(2):
            leads._message_log_bulk(dict.fromkeys(leads.ids, ""),
                                    tracking_values={lead_id: [values] for lead_id in leads.ids})
        self.assertEqual(len(leads.message_ids.tracking_value_ids.filtered(
            lambda value: value.new_value_char == "MQL")), 51)
        self.assertEqual(len(first.message_ids.tracking_value_ids), 1)
