# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import AlignmentCommon

FRIDAY = "2026-11-20 10:00:00"  # a Friday: 2 working days later is Tuesday the 24th


@tagged("post_install", "-at_install", "sma_quick_action")
class TestQuickAction(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.QuickAction = cls.env["crm.quick.action"]
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.email = cls.env.ref("mail.mail_activity_data_email")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.voicemail = cls.env.ref("sales_marketing_alignment.quick_action_left_voicemail")
        cls.email_sent = cls.env.ref("sales_marketing_alignment.quick_action_email_sent")
        cls.meeting_held = cls.env.ref("sales_marketing_alignment.quick_action_meeting_held")
        cls.unreachable = cls.env.ref("sales_marketing_alignment.quick_action_unreachable")
        # A standard 40-hour week, Monday to Friday, for working days.
        cls.env.company.resource_calendar_id = cls.env.ref("resource.resource_calendar_std")
        cls.lead = cls.env["crm.lead"].create({
            "name": "Voicemail prospect", "type": "lead", "team_id": cls.team.id, "user_id": cls.user_rep.id,
        })

    def _activities(self, lead):
        return self.env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])

    def _done_messages(self, lead):
        # Done activities logged by quick actions (not the hand-off's own "Accept or reject").
        handoff = self.env.ref("sales_marketing_alignment.mail_activity_type_handoff")
        return lead.message_ids.filtered(
            lambda m: m.mail_activity_type_id and m.mail_activity_type_id != handoff)

    # ------------------------------------------------------------
    # The shipped defaults
    # ------------------------------------------------------------

    @freeze_time(FRIDAY)
    def test_left_voicemail(self):
        uses_before = self.voicemail.usage_count  # demo data may hold uses
        result = self.voicemail.with_user(self.user_rep).action_apply(self.lead.ids)
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(result["params"]["message"], "Applied to 1 lead(s).")
        done = self._done_messages(self.lead)
        self.assertEqual(len(done), 1)
        self.assertEqual(done.mail_activity_type_id, self.call)
        self.assertEqual(done.author_id, self.user_rep.partner_id)
        self.assertIn("Left voicemail", done.body)
        planned = self._activities(self.lead)
        self.assertEqual(len(planned), 1)
        self.assertEqual(
            (planned.activity_type_id, planned.summary, planned.user_id, planned.date_deadline),
            (self.call, "Call again", self.user_rep, date(2026, 11, 24)),
        )
        self.assertEqual(self.lead.activity_date_deadline, date(2026, 11, 24))
        self.assertEqual(self.voicemail.usage_count - uses_before, 1)

    @freeze_time(FRIDAY)
    def test_email_sent(self):
        self.email_sent.with_user(self.user_rep).action_apply(self.lead.ids)
        self.assertEqual(self._done_messages(self.lead).mail_activity_type_id, self.email)
        planned = self._activities(self.lead)
        self.assertEqual((planned.activity_type_id, planned.date_deadline), (self.todo, date(2026, 11, 23)))

    @freeze_time(FRIDAY)
    def test_meeting_held_assigns_salesperson(self):
        # The sales manager logs the meeting; the proposal task goes to the lead's salesperson.
        self.meeting_held.with_user(self.user_sales_manager).action_apply(self.lead.ids)
        planned = self._activities(self.lead)
        self.assertEqual(
            (planned.summary, planned.user_id, planned.date_deadline),
            ("Send proposal", self.user_rep, date(2026, 11, 21)),
        )

    def test_unreachable_back_to_nurture(self):
        reason = self.env.ref("sales_marketing_alignment.lost_reason_unreachable")
        self.unreachable.with_user(self.user_rep).action_apply(self.lead.ids)
        self.assertEqual(self.lead.lifecycle_stage, "nurture")
        self.assertEqual(self.lead.handoff_reject_reason_id, reason)
        last = self.lead.lifecycle_history_ids.sorted("id")[-1]
        self.assertEqual((last.to_stage, last.reason_id, last.user_id), ("nurture", reason, self.user_rep))
        self.assertEqual(len(self._done_messages(self.lead)), 1)
        # From MQL it is a rejection of the hand-off, with the same reason.
        mql = self.lead.copy({"name": "MQL prospect"})
        mql.with_user(self.user_marketing).action_handoff_to_sales()
        self.unreachable.with_user(self.user_rep).action_apply(mql.ids)
        self.assertEqual((mql.lifecycle_stage, mql.handoff_reject_reason_id), ("nurture", reason))

    def test_stage_change(self):
        stage = self.env["crm.stage"].create({"name": "Proposal sent", "sequence": 70})
        action = self.QuickAction.with_user(self.user_rep).create({
            "name": "Proposal sent", "log_activity_type_id": self.email.id, "set_stage_id": stage.id,
        })
        action.action_apply(self.lead.ids)
        self.assertEqual(self.lead.stage_id, stage)

    # ------------------------------------------------------------
    # Personal and shared
    # ------------------------------------------------------------

    def test_personal_and_shared_visibility(self):
        mine = self.QuickAction.with_user(self.user_rep).create({
            "name": "My voicemail", "log_activity_type_id": self.call.id,
        })
        self.assertEqual(mine.user_id, self.user_rep, "personal by default")
        other_team = self.env["crm.team"].create({"name": "Other team"})
        team_action = self.QuickAction.with_user(self.user_sales_manager).create({
            "name": "Team call", "log_activity_type_id": self.call.id, "user_id": False, "team_id": self.team.id,
        })
        other_team_action = self.QuickAction.with_user(self.user_sales_manager).create({
            "name": "Other team call", "log_activity_type_id": self.call.id, "user_id": False,
            "team_id": other_team.id,
        })
        visible_rep = self.QuickAction.with_user(self.user_rep).search([])
        self.assertIn(mine, visible_rep)
        self.assertIn(team_action, visible_rep)
        self.assertIn(self.voicemail, visible_rep)
        self.assertNotIn(other_team_action, visible_rep)
        visible_other = self.QuickAction.with_user(self.user_rep_other).search([])
        self.assertNotIn(mine, visible_other, "a personal action is its owner's only")
        # The lead's buttons are the current user's actions.
        lead_as_rep = self.lead.with_user(self.user_rep)
        self.assertIn(mine, lead_as_rep.quick_action_ids)
        # Managers see every action in the configuration, but their buttons are
        # their own and the shared ones only.
        self.assertIn(mine, self.QuickAction.with_user(self.user_sales_manager).search([]))
        self.assertNotIn(mine, self.lead.with_user(self.user_sales_manager).quick_action_ids)

    def test_rights(self):
        with self.assertRaisesRegex(UserError, "Only sales managers can create or edit shared"):
            self.voicemail.with_user(self.user_rep).write({"next_delay": 5})
        self.assertEqual(self.voicemail.next_delay, 2)
        with self.assertRaisesRegex(UserError, "Only sales managers"):
            self.QuickAction.with_user(self.user_rep).create({
                "name": "Shared by a rep", "log_activity_type_id": self.call.id, "user_id": False})
        with self.assertRaisesRegex(UserError, "Only sales managers"):
            self.voicemail.with_user(self.user_rep).unlink()
        mine = self.QuickAction.with_user(self.user_rep).create({"name": "Mine", "log_activity_type_id": self.call.id})
        mine.write({"next_activity_type_id": self.call.id, "next_delay": 4})
        with self.assertRaisesRegex(UserError, "Only sales managers"):
            mine.write({"user_id": self.user_rep_other.id})
        with self.assertRaises(AccessError):
            mine.with_user(self.user_rep_other).write({"name": "Hijacked"})
        self.voicemail.with_user(self.user_sales_manager).write({"next_delay": 3})
        self.assertEqual(self.voicemail.next_delay, 3)

    # ------------------------------------------------------------
    # Batches, bad input
    # ------------------------------------------------------------

    @freeze_time(FRIDAY)
    def test_batch_from_list(self):
        leads = self.lead | self.env["crm.lead"].create([
            {"name": f"Batch {i}", "type": "lead", "user_id": self.user_rep.id} for i in range(3)])
        wizard = Form(self.env["crm.quick.action.apply"].with_user(self.user_rep).with_context(
            active_model="crm.lead", active_ids=leads.ids))
        wizard.quick_action_id = self.voicemail
        uses_before = self.voicemail.usage_count  # demo data may hold uses
        result = wizard.save().action_apply()
        self.assertEqual(result["params"]["message"], "Applied to 4 lead(s).")
        for lead in leads:
            self.assertEqual(len(self._activities(lead)), 1)
            self.assertEqual(len(self._done_messages(lead)), 1)
        self.assertEqual(self.voicemail.usage_count - uses_before, 4)
        usage = self.env["crm.quick.action.usage"].search([
            ("quick_action_id", "=", self.voicemail.id), ("lead_id", "in", leads.ids)])
        self.assertEqual(usage.user_id, self.user_rep)
        self.assertEqual(usage.lead_id, leads)

    def test_batch_all_or_none(self):
        not_mine = self.env["crm.lead"].create({"name": "Other rep's", "type": "lead", "user_id": self.user_rep_other.id})
        with self.assertRaises(AccessError):
            self.voicemail.with_user(self.user_rep).action_apply((self.lead | not_mine).ids)
        # Leads the user may write, one of whose moves is refused: nothing is
        # logged on any of them.
        accept = self.QuickAction.with_user(self.user_marketing).create({
            "name": "Accept and call", "log_activity_type_id": self.call.id, "set_lifecycle_stage": "sal"})
        own_mql = self.env["crm.lead"].create({"name": "Mine", "type": "lead", "user_id": self.user_marketing.id})
        reps_mql = self.lead
        (own_mql | reps_mql).action_handoff_to_sales()
        with self.assertRaises(UserError) as error:
            accept.action_apply((own_mql | reps_mql).ids)
        self.assertIn("Only the salesperson", str(error.exception))
        self.assertFalse(self._done_messages(own_mql) | self._done_messages(reps_mql))
        self.assertEqual((own_mql | reps_mql).mapped("lifecycle_stage"), ["mql", "mql"])
        self.assertEqual(accept.usage_count, 0)
        accept.action_apply(own_mql.ids)
        self.assertEqual(own_mql.lifecycle_stage, "sal")
        self.assertEqual(len(self._done_messages(own_mql)), 1)
        with self.assertRaisesRegex(UserError, "no longer exist"):
            self.voicemail.with_user(self.user_rep).action_apply([self.lead.id, 999999999])

    def test_bad_input(self):
        QuickAction = self.QuickAction.with_user(self.user_rep)
        count = self.QuickAction.search_count([])
        for delay in (-1, 366, 10000):
            with self.subTest(delay=delay), self.assertRaises(ValidationError) as error:
                QuickAction.create({"name": "Absurd", "next_activity_type_id": self.call.id, "next_delay": delay})
            self.assertIn("within 0 to 365 days", str(error.exception))
        restricted = self.env["mail.activity.type"].create({"name": "Partner only", "res_model": "res.partner"})
        with self.assertRaises(ValidationError) as error:
            QuickAction.create({"name": "Wrong model", "log_activity_type_id": restricted.id})
        self.assertIn("reserved for res.partner", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            QuickAction.create({"name": "Nurture without reason", "set_lifecycle_stage": "nurture"})
        self.assertIn("choose the feedback reason", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            QuickAction.create({"name": "Nothing"})
        self.assertIn("does nothing", str(error.exception))
        self.assertEqual(self.QuickAction.search_count([]), count)
        lost = self.env["crm.lead"].create({"name": "Lost", "type": "lead", "user_id": self.user_rep.id})
        lost.action_set_lost()
        with self.assertRaisesRegex(UserError, "is closed"):
            self.voicemail.with_user(self.user_rep).action_apply(lost.ids)

    def test_apply_query_count(self):
        """Applying to 18 leads adds a bounded number of queries per lead."""
        leads = self.env["crm.lead"].create([
            {"name": f"Perf {i}", "type": "lead", "user_id": self.user_rep.id} for i in range(20)])
        action = self.voicemail.with_user(self.user_rep)

        def queries(records):
            records.invalidate_recordset()
            before = self.env.cr.sql_log_count
            action.action_apply(records.ids)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        queries(leads[:1])  # warm caches
        one = queries(leads[1:2])
        twenty = queries(leads[2:])
        # Everything is created in batch; what grows with the leads is Odoo's own
        # "mark as done", which posts one chatter message per activity.
        self.assertLessEqual(twenty - one, 17 * 8, f"1 lead: {one} queries, 18 leads: {twenty}")
