# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import AlignmentCommon

FRIDAY_4PM_BRUSSELS = datetime(2026, 11, 20, 15, 0)  # UTC


@tagged("post_install", "-at_install", "sma_sla")
class TestSla(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Mon-Fri 8:00-12:00 and 13:00-17:00, Europe/Brussels
        cls.calendar = cls.env.ref("resource.resource_calendar_std")
        cls.calendar.tz = "Europe/Brussels"
        cls.team.write({"sla_first_touch_hours": 4.0, "sla_feedback_days": 2.0,
                        "resource_calendar_id": cls.calendar.id})
        cls.env.company.resource_calendar_id = cls.calendar
        # The team's SLA has been on for years: its breaches are escalated.
        cls.team.sla_start_date = datetime(2020, 1, 1)
        cls.call = cls.env.ref("mail.mail_activity_data_call")

    def _lead(self, date_open, **vals):
        lead = self.env["crm.lead"].create(dict({
            "name": "Prospect", "type": "lead", "team_id": self.team.id, "user_id": self.user_rep.id,
            "campaign_id": self.campaign.id,
        }, **vals))
        lead.date_open = date_open
        return lead

    def _touch(self, lead):
        lead.activity_schedule(activity_type_id=self.call.id, user_id=lead.user_id.id)
        lead.activity_ids.action_feedback(feedback="Called")

    def test_deadline_in_working_hours_over_weekend(self):
        lead = self._lead(FRIDAY_4PM_BRUSSELS)
        # 1 hour on Friday (16-17h), 3 on Monday (8-11h Brussels = 10:00 UTC).
        self.assertEqual(lead.sla_first_touch_deadline, datetime(2026, 11, 23, 10, 0))

    def test_deadline_follows_team_calendar_else_company(self):
        night_shift = self.env["resource.calendar"].create({
            "name": "Every day, all day", "tz": "UTC",
            "attendance_ids": [(0, 0, {"name": f"Day {day}", "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                               for day in range(7)],
        })
        self.team.resource_calendar_id = night_shift
        lead = self._lead(FRIDAY_4PM_BRUSSELS)
        self.assertEqual(lead.sla_first_touch_deadline, datetime(2026, 11, 20, 19, 0))
        # No team calendar: the company's working hours.
        self.team.resource_calendar_id = False
        self.assertEqual(lead.sla_first_touch_deadline, datetime(2026, 11, 23, 10, 0))

    def test_status_transitions(self):
        lead = self._lead(FRIDAY_4PM_BRUSSELS)  # due Monday 10:00 UTC, 67 hours later
        self.assertEqual(lead._sla_status_at(FRIDAY_4PM_BRUSSELS), "on_track")
        # Less than a quarter of the time left: due soon; past the deadline: breached.
        self.assertEqual(lead._sla_status_at(datetime(2026, 11, 22, 12, 0)), "on_track")
        self.assertEqual(lead._sla_status_at(datetime(2026, 11, 23, 7, 0)), "due_soon")
        self.assertEqual(lead._sla_status_at(datetime(2026, 11, 23, 11, 0)), "breached")
        # The stored status, kept current by the hourly job, says breached today.
        self.env["crm.team"]._cron_sla_check()
        self.assertEqual(lead.sla_status, "breached")
        # A first touch in time is met, a late one stays breached.
        lead.date_first_touch = datetime(2026, 11, 23, 9, 0)
        self.assertEqual(lead.sla_status, "met")
        lead.date_first_touch = datetime(2026, 11, 23, 11, 0)
        self.assertEqual(lead.sla_status, "breached")
        # Marking an activity done is the first touch.
        fresh = self._lead(fields.Datetime.now())
        self.assertEqual(fresh.sla_status, "on_track")
        self._touch(fresh)
        self.assertTrue(fresh.date_first_touch)
        self.assertEqual(fresh.sla_status, "met")
        # Closed in time without a touch: nothing owed any more.
        closed = self._lead(fields.Datetime.now())
        closed.action_set_lost()
        self.assertEqual(closed.sla_status, "none")
        unassigned = self.env["crm.lead"].create({"name": "Nobody's", "type": "lead", "user_id": False})
        self.assertEqual(unassigned.sla_status, "none")

    def test_feedback_sla(self):
        now = datetime(2026, 11, 16, 9, 0)
        with freeze_time(now):
            answered = self._lead(now)
            ignored = self._lead(now)
            self._touch(answered)
            self._touch(ignored)
            (answered | ignored).action_handoff_to_sales()
        self.assertEqual(answered.sla_feedback_deadline, now + timedelta(days=2))
        with freeze_time(now + timedelta(days=1)):
            answered.with_user(self.user_rep).action_accept_handoff()
        self.assertEqual(answered.date_feedback, now + timedelta(days=1))
        self.assertEqual(answered.sla_status, "met")
        with freeze_time(now + timedelta(days=3)):
            self.env["crm.team"]._cron_sla_check()
        self.assertEqual(ignored.sla_status, "breached")

    def test_escalation_idempotent(self):
        old = fields.Datetime.now() - timedelta(days=10)
        breached = self._lead(old)
        self.assertEqual(breached.sla_status, "breached")
        self.env["crm.team"]._cron_sla_check()
        self.env["crm.team"]._cron_sla_check()
        alerts = self.env["mail.activity"].search([
            ("res_model", "=", "crm.lead"), ("res_id", "=", breached.id), ("summary", "like", "SLA breached")])
        self.assertEqual(len(alerts), 1, "escalated once, however often the job runs")
        self.assertEqual(alerts.user_id, self.user_sales_manager, "to the team leader")
        self.assertEqual(breached.sla_escalation_count, 1)
        self.assertEqual(breached.user_id, self.user_rep, "no reassignment unless the team asks for it")

    def test_escalation_survives_deleted_and_reassigned_leads(self):
        old = fields.Datetime.now() - timedelta(days=10)
        kept, deleted, reassigned = self._lead(old), self._lead(old), self._lead(old)
        batch = kept | deleted | reassigned
        deleted.unlink()
        reassigned.sla_escalation_count = 1  # escalated by another worker meanwhile
        self.env["crm.team"]._sla_escalate(batch)
        self.assertEqual(kept.sla_escalation_count, 1)
        self.assertEqual(len(self.env["mail.activity"].search([
            ("res_model", "=", "crm.lead"), ("res_id", "in", (kept | reassigned).ids),
            ("summary", "like", "SLA breached")])), 1)

    def test_reassign_after_second_breach(self):
        self.team.sla_reassign_on_breach = True
        old = fields.Datetime.now() - timedelta(days=20)
        lead = self._lead(old)
        self.env["crm.team"]._cron_sla_check()
        self.assertEqual((lead.sla_escalation_count, lead.user_id), (1, self.user_rep))
        self.env["crm.team"]._cron_sla_check()
        self.assertEqual(lead.user_id, self.user_rep, "not before one more SLA period after the escalation")
        lead.sla_escalated_on = fields.Datetime.now() - timedelta(days=10)
        self.env["crm.team"]._cron_sla_check()
        self.assertEqual(lead.user_id, self.user_rep_other, "to the member with the fewest open leads")
        self.assertEqual(lead.sla_escalation_count, 2)
        self.assertEqual(lead.sla_status, "on_track", "a fresh first-touch SLA for the new rep")

    def test_rollup_numbers(self):
        """% on time and response times per team, against hand-computed values."""
        team_b = self.env["crm.team"].create({
            "name": "Team B", "user_id": self.user_sales_manager.id, "resource_calendar_id": False,
            "member_ids": [(6, 0, [self.user_rep_other.id])], "sla_first_touch_hours": 4.0,
        })
        self.env.company.resource_calendar_id = False  # plain hours for these numbers
        self.team.resource_calendar_id = False
        start = fields.Datetime.now() - timedelta(days=5)
        for hours in (1, 2, 3, 6):  # team A: 3 on time, 1 late
            lead = self._lead(start)
            lead.date_first_touch = start + timedelta(hours=hours)
        for hours in (1, 8):  # team B: 1 on time, 1 late
            lead = self._lead(start, team_id=team_b.id, user_id=self.user_rep_other.id)
            lead.date_first_touch = start + timedelta(hours=hours)
        Report = self.env["crm.sla.report"]
        self.env.flush_all()
        rows = Report._read_group([("team_id", "in", (self.team | team_b).ids)], ["team_id"],
                                  ["on_time_rate:avg", "breached_count:sum", "response_hours:avg"])
        numbers = {team.name: (round(rate, 2), breached, round(hours, 2)) for team, rate, breached, hours in rows}
        self.assertEqual(numbers, {"Alignment Test Team": (75.0, 1, 3.0), "Team B": (50.0, 1, 4.5)})
        self.assertAlmostEqual(self.team.sla_response_median_hours, 2.5)
        self.assertAlmostEqual(team_b.sla_response_median_hours, 4.5)
        self.assertAlmostEqual(self.campaign.sla_compliance_rate, 4 / 6 * 100)
        # Reps see their own compliance, team leaders their team's.
        self.assertEqual(set(Report.with_user(self.user_rep).search([]).user_id.ids), {self.user_rep.id})
        self.assertEqual(len(Report.with_user(self.user_sales_manager).search(
            [("team_id", "in", (self.team | team_b).ids)])), 6)

    def test_policy_rights_and_bad_input(self):
        with self.assertRaises(AccessError):
            self.team.with_user(self.user_rep).write({"sla_first_touch_hours": 100})
        for vals in ({"sla_first_touch_hours": 0}, {"sla_first_touch_hours": -2}, {"sla_feedback_days": 0}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as error:
                self.team.with_user(self.user_sales_manager).write(vals)
            self.assertIn("must be greater than zero", str(error.exception))
        self.assertEqual(self.team.sla_first_touch_hours, 4.0)
        # New teams start from the company's defaults (Settings).
        self.env.company.write({"sla_first_touch_hours": 8.0, "sla_feedback_days": 5.0})
        team = self.env["crm.team"].with_user(self.user_sales_manager).create({"name": "New team"})
        self.assertEqual((team.sla_first_touch_hours, team.sla_feedback_days), (8.0, 5.0))

    def test_leads_without_tasks(self):
        busy, idle = self._lead(fields.Datetime.now()), self._lead(fields.Datetime.now())
        busy.activity_schedule(activity_type_id=self.call.id, user_id=self.user_rep.id)
        action = self.env.ref("sales_marketing_alignment.crm_lead_action_without_tasks")
        self.assertEqual(action.res_model, "crm.lead")
        without = self.env["crm.lead"].search([
            ("id", "in", (busy | idle).ids), ("activity_ids", "=", False),
            ("user_id", "!=", False), ("probability", "<", 100)])
        self.assertEqual(without, idle)
        counts = dict(self.env["crm.lead"]._read_group(
            [("id", "in", (busy | idle).ids), ("activity_ids", "=", False)], ["user_id"], ["__count"]))
        self.assertEqual(counts, {self.user_rep: 1})
