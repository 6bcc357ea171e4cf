# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import AlignmentCommon
from .funnel_fixture import make_funnel_leads

PERIOD = ("custom", False, "2025-03-01", "2025-03-31")


def at(day, hour=9, month=3):
    return datetime(2025, month, day, hour, 0)


class DashboardFixture(AlignmentCommon):
    """March 2025 in one team, worked out by hand (see each test).

    L1 (Rita) inquiry 3/3 -> lead -> MQL 3/4 -> SAL 3/5 -> SQL 3/6 -> won
       3/16 for 10,000; handed off 3/4, accepted 3/5; assigned 3/4 10:00,
       first touch 12:00 (2 h, SLA met); grade A; one call 3/8; touchpoint of
       the campaign 3/3 (cost 2,000 entered 3/10).
    L2 (Omar) inquiry -> lead -> MQL -> SAL (stays); handed off 3/4,
       accepted 3/5; assigned 3/4 10:00, first touch 16:00 (6 h, SLA
       breached); grade B; a planned activity.
    L3 (Rita) inquiry -> lead -> MQL, waiting; handed off 3/4; assigned
       3/4 10:00, untouched (SLA breached); no activity.
    L4 (nobody) inquiry -> lead -> MQL -> nurture, "time frame delayed".
    L5 (Omar) inquiry -> lead -> disqualified, "not our profile" (lost).
    L6 (nobody) inquiry.
    L7 (nobody) February: inquiry -> disqualified, "price too high"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company.alignment_sla_threshold = 80.0
        # Roles and hand-off: a must-have criterion every lead meets, a routing rule, the team's SLA.
        env["crm.lead.definition.criterion"].create({
            "name": "Has a name", "requirement": "must", "domain": "[('name', '!=', False)]"})
        cls.routing_rule = env["crm.routing.rule"].create({
            "name": "To the dashboard team", "target": "team", "team_id": cls.team.id})
        cls.team.use_sla = True
        reason = env.ref
        won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
        rita, omar = cls.user_rep, cls.user_rep_other
        funnel = ["inquiry", "lead", "mql", "sal", "sql", "customer"]
        cls.leads = make_funnel_leads(env, [
            {"name": "L1", "user": rita, "path": funnel, "start": at(3), "revenue": 10000.0,
             "dates": [at(3), at(3, 10), at(4), at(5), at(6), at(16)],
             "values": {"type": "opportunity", "stage_id": won_stage.id, "probability": 100,
                        "date_closed": at(16), "date_handoff": at(4), "date_accepted": at(5),
                        "date_open": at(4, 10), "date_first_touch": at(4, 12), "sla_status": "met",
                        "grade": "a", "score": 85, "date_scored": at(4)}},
            {"name": "L2", "user": omar, "path": funnel[:4], "start": at(3),
             "dates": [at(3), at(3, 10), at(4), at(5)],
             "values": {"date_handoff": at(4), "date_accepted": at(5), "date_open": at(4, 10),
                        "date_first_touch": at(4, 16), "sla_status": "breached",
                        "grade": "b", "score": 55, "date_scored": at(4)}},
            {"name": "L3", "user": rita, "path": funnel[:3], "start": at(3),
             "values": {"date_handoff": at(4), "date_open": at(4, 10), "sla_status": "breached"}},
            {"name": "L4", "path": funnel[:3] + ["nurture"], "start": at(3),
             "reason": reason("sales_marketing_alignment.lost_reason_timeframe_delayed"),
             "values": {"date_handoff": at(4)}},
            {"name": "L5", "user": omar, "path": ["inquiry", "lead", "disqualified"], "start": at(3),
             "reason": reason("sales_marketing_alignment.lost_reason_not_icp"),
             "values": {"active": False, "probability": 0}},
            {"name": "L6", "path": ["inquiry"], "start": at(3)},
            {"name": "L7", "path": ["inquiry", "disqualified"], "start": at(10, month=2),
             "reason": reason("sales_marketing_alignment.lost_reason_price_too_high"),
             "values": {"active": False, "probability": 0}},
        ], cls.team)
        l1, l2 = cls.leads[0], cls.leads[1]
        env["mail.activity"].create({
            "res_model_id": env["ir.model"]._get_id("crm.lead"), "res_id": l2.id, "user_id": omar.id,
            "activity_type_id": env.ref("mail.mail_activity_data_todo").id, "summary": "Demo next week"})
        env["mail.message"].create({
            "model": "crm.lead", "res_id": l1.id, "message_type": "notification", "body": "Call done",
            "mail_activity_type_id": env.ref("mail.mail_activity_data_call").id,
            "author_id": rita.partner_id.id, "date": at(8)})
        cls.dash_campaign = env["utm.campaign"].create({
            "title": "Dashboard Campaign", "cost": 2000.0, "cost_date": "2025-03-10"})
        env["crm.touchpoint"].create({
            "lead_id": l1.id, "campaign_id": cls.dash_campaign.id, "date": at(3), "origin": "manual"})
        # What the activity and the touchpoint may have recomputed is set back as the fixture says.
        env.flush_all()
        env.cr.execute(SQL("""
            UPDATE crm_lead SET sla_status = 'breached', date_first_touch = %s, date_open = %s WHERE id = %s
        """, at(4, 16), at(4, 10), l2.id))
        env.cr.execute(SQL("UPDATE crm_lead SET sla_status = 'met', date_first_touch = %s WHERE id = %s",
                           at(4, 12), l1.id))
        env.invalidate_all()
        cls.Dashboard = env["crm.alignment.dashboard"]

    def data(self, user=None, team=True):
        Dashboard = self.Dashboard.with_user(user) if user else self.Dashboard
        return Dashboard.get_dashboard_data(PERIOD[0], self.team.id if team else False, *PERIOD[2:])


@tagged("post_install", "-at_install")
class TestAlignmentDashboard(DashboardFixture):
    """Every number of the dashboard against the fixture, and its records."""

    def test_marketing_side(self):
        m = self.data(self.user_alignment_manager)["marketing"]
        self.assertEqual((m["inquiries"], m["leads"], m["mqls"], m["customers"]), (6, 5, 4, 1))
        # hand-offs of March: L1, L2, L3, L4; accepted L1, L2
        self.assertEqual((m["handed_off"], m["accepted"]), (4, 2))
        self.assertAlmostEqual(m["sal_rate"], 50.0)
        self.assertEqual(m["nurture"], 1)  # L4
        self.assertAlmostEqual(m["cost"], 2000.0)
        self.assertAlmostEqual(m["cost_per_lead"], 400.0)  # 2,000 / 5 leads
        self.assertAlmostEqual(m["cost_per_customer"], 2000.0)  # 2,000 / 1 customer
        self.assertAlmostEqual(m["attributed_revenue"], 10000.0)  # one touch: the whole deal
        self.assertAlmostEqual(m["roi"], 400.0)  # (10,000 - 2,000) / 2,000
        self.assertEqual([(c["name"], c["revenue"]) for c in m["campaigns"]], [("Dashboard Campaign", 10000.0)])
        self.assertAlmostEqual(m["campaigns"][0]["roi"], 400.0)
        self.assertEqual({row["category"]: (row["count"], row["previous"]) for row in m["feedback"]}, {
            "timeframe_delayed": (1, 0), "not_icp": (1, 0), "price_too_high": (0, 1)})

    def test_sales_side(self):
        s = self.data(self.user_alignment_manager)["sales"]
        self.assertEqual(s["waiting_acceptance"], 1)  # L3
        self.assertEqual(s["without_tasks"], 1)  # L3: L1 is won, L2 has a task, L5 is lost
        self.assertEqual(s["sla_rated"], 3)
        self.assertAlmostEqual(s["sla_compliance"], 100 / 3)  # L1 met; L2, L3 breached
        self.assertAlmostEqual(s["median_response_hours"], 4.0)  # median of 2 h and 6 h
        self.assertEqual([(c["stage"], c["converted"], c["entered"]) for c in s["conversion"]], [
            ("inquiry", 5, 6), ("lead", 4, 5), ("mql", 2, 4), ("sal", 1, 2), ("sql", 1, 1)])
        self.assertAlmostEqual(s["conversion"][2]["rate"], 50.0)
        self.assertEqual((s["won_count"], s["won_revenue"]), (1, 10000.0))
        self.assertAlmostEqual(s["cycle_days"], 10.0)  # SQL 3/6 -> won 3/16
        self.assertAlmostEqual(s["cycle_days_created"], 13.0)  # created 3/3
        reps = {row["name"]: row for row in s["reps"]}
        self.assertEqual(set(reps), {"Rita Rep", "Omar Other"})
        rita, omar = reps["Rita Rep"], reps["Omar Other"]
        self.assertEqual((rita["calls"], rita["without_tasks"], rita["won_revenue"]), (1, 1, 10000.0))
        # Rita: L1 (2 h, accepted, won), L3 (untouched, not accepted, open)
        self.assertAlmostEqual(rita["response_hours"], 2.0)
        self.assertAlmostEqual(rita["accepted_rate"], 50.0)
        self.assertAlmostEqual(rita["conversion_rate"], 50.0)
        # Omar: L2 (6 h, accepted, open)
        self.assertEqual((omar["calls"], omar["without_tasks"], omar["won_revenue"]), (0, 0, 0.0))
        self.assertAlmostEqual(omar["response_hours"], 6.0)
        self.assertAlmostEqual(omar["accepted_rate"], 100.0)
        self.assertAlmostEqual(omar["conversion_rate"], 0.0)

    def test_every_number_opens_its_records(self):
        names = lambda records: sorted(records.mapped("lead_id.name") if "lead_id" in records else records.mapped("name"))  # noqa: E731
        expected = {
            "inquiries": ["L1", "L2", "L3", "L4", "L5", "L6"],
            "leads": ["L1", "L2", "L3", "L4", "L5"],
            "mqls": ["L1", "L2", "L3", "L4"],
            "customers": ["L1"],
            "won_deals": ["L1"],
            "handed_off": ["L1", "L2", "L3", "L4"],
            "accepted": ["L1", "L2"],
            "nurture": ["L4"],
            "waiting_acceptance": ["L3"],
            "without_tasks": ["L3"],
            "sla": ["L1", "L2", "L3"],
            "converted_mql": ["L1", "L2"],
            "entered_sal": ["L1", "L2"],
            "feedback": ["L4", "L5"],
            "campaign_revenue": ["L1"],
            "closed": ["L4", "L5"],
            "scored": ["L1", "L2"],
        }
        for key, leads in expected.items():
            action = self.Dashboard.with_user(self.user_alignment_manager).action_open_metric(key, *PERIOD[:1], self.team.id, *PERIOD[2:])
            records = self.env[action["res_model"]].with_user(self.user_alignment_manager).with_context(
                **action["context"]).search(action["domain"])
            self.assertEqual(names(records), leads, key)
        # a rep's row, a feedback reason, a campaign
        action = self.Dashboard.action_open_metric("without_tasks", *PERIOD[:1], self.team.id, *PERIOD[2:],
                                                   user_id=self.user_rep_other.id)
        self.assertFalse(self.env["crm.lead"].search(action["domain"]))
        action = self.Dashboard.action_open_metric("feedback", *PERIOD[:1], self.team.id, *PERIOD[2:],
                                                   extra="not_icp")
        self.assertEqual(names(self.env[action["res_model"]].search(action["domain"])), ["L5"])
        action = self.Dashboard.action_open_metric("campaign_revenue", *PERIOD[:1], self.team.id, *PERIOD[2:],
                                                   extra=self.dash_campaign.id)
        self.assertEqual(names(self.env[action["res_model"]].search(action["domain"])), ["L1"])

    def test_rep_numbers_open_what_they_count(self):
        """Each number of a rep's row (Figure 4) and the rep's name open, for
        that rep, the rows the number counts or averages: the same aggregate
        read over the action's domain gives the number shown."""
        manager = self.user_alignment_manager
        reps = {row["user_id"]: row for row in self.data(manager)["sales"]["reps"]}
        Dashboard = self.Dashboard.with_user(manager)

        def records(key, user):
            action = Dashboard.action_open_metric(key, *PERIOD[:1], self.team.id, *PERIOD[2:], user_id=user.id)
            return self.env[action["res_model"]].with_user(manager).with_context(**action["context"]), \
                action["domain"]

        for user in (self.user_rep, self.user_rep_other):
            row = reps[user.id]
            Model, domain = records("rep_calls", user)
            self.assertEqual(Model.search_count(domain), row["calls"], user.name)
            for key, measure, shown in (("rep_response", "response_hours", row["response_hours"]),
                                        ("rep_accepted", "accepted_rate", row["accepted_rate"]),
                                        ("rep_assigned", "conversion_rate", row["conversion_rate"])):
                Model, domain = records(key, user)
                [[value]] = Model._read_group(domain, [], [f"{measure}:avg"])
                self.assertAlmostEqual(value, shown, msg=(user.name, key))
            Model, domain = records("without_tasks", user)
            self.assertEqual(Model.search_count(domain), row["without_tasks"], user.name)
            Model, domain = records("won_deals", user)
            self.assertEqual(sum(Model.search(domain).mapped("expected_revenue")), row["won_revenue"], user.name)
            Model, domain = records("rep_quality", user)
            self.assertEqual(set(Model.search(domain).mapped("user_id")), {user}, user.name)
        # By hand, Rita: one call (L1); response L1 only (L3 untouched);
        # hand-offs L1, L3; assigned L1, L3.
        names = {key: sorted(records(key, self.user_rep)[0].search(records(key, self.user_rep)[1]).mapped(
            "lead_id.name")) for key in ("rep_calls", "rep_response", "rep_accepted", "rep_assigned")}
        self.assertEqual(names, {"rep_calls": ["L1"], "rep_response": ["L1"], "rep_accepted": ["L1", "L3"],
                                 "rep_assigned": ["L1", "L3"]})

    def test_won_revenue_by_won_date(self):
        """Won deals and won revenue (MISSION: revenue of won deals; cycle =
        won date - date it became an opportunity) are the deals won now, by
        their won date, as campaign attribution counts them: a deal the
        install dated Customer at its creation in February but won on March
        20 counts in March; the won revenue is then attributed +
        unattributed revenue of the period."""
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        [old] = make_funnel_leads(self.env, [
            {"name": "L8", "user": self.user_rep_other, "path": ["customer"], "start": at(10, month=2),
             "revenue": 5000.0, "values": {"type": "opportunity", "stage_id": won_stage.id, "probability": 100,
                                           "date_closed": at(20)}}], self.team)
        s = self.data(self.user_alignment_manager)["sales"]
        self.assertEqual((s["won_count"], s["won_revenue"]), (2, 15000.0))
        # cycles: L1 SQL 3/6 -> won 3/16 (10 d); L8 reached SQL (as Customer) 2/10 -> won 3/20 (38 d)
        self.assertAlmostEqual(s["cycle_days"], (10.0 + 38.0) / 2)
        self.assertAlmostEqual(s["cycle_days_created"], (13.0 + 38.0) / 2)
        omar = {row["name"]: row for row in s["reps"]}["Omar Other"]
        self.assertEqual(omar["won_revenue"], 5000.0)
        action = self.Dashboard.action_open_metric("won_deals", *PERIOD[:1], self.team.id, *PERIOD[2:])
        self.assertEqual(self.env["crm.lead"].with_context(**action["context"]).search(action["domain"]),
                         self.leads[0] | old)
        [[revenue, unattributed]] = self.env["crm.attribution.report"]._read_group(
            [("lead_id", "in", (self.leads | old).ids), ("is_company_model", "=", True),
             ("date", ">=", at(1, 0)), ("date", "<", at(1, 0, month=4))], [], ["revenue:sum", "unattributed_revenue:sum"])
        self.assertAlmostEqual(revenue, s["won_revenue"])
        self.assertAlmostEqual(unattributed, 5000.0)
        # Reopened: no longer won, out of the won revenue.
        self.env.cr.execute(SQL("UPDATE crm_lead SET probability = 50, stage_id = %s WHERE id = %s",
                                self.env["crm.stage"].search([("is_won", "=", False)], limit=1).id, old.id))
        self.env.invalidate_all()
        self.assertEqual(self.data(self.user_alignment_manager)["sales"]["won_revenue"], 10000.0)

    def test_rights_per_role(self):
        # A rep sees their own and unassigned leads (CRM's own rules): Rita L1, L3, L4, L6.
        rita = self.data(self.user_rep)
        self.assertEqual((rita["marketing"]["inquiries"], rita["marketing"]["leads"], rita["marketing"]["mqls"]),
                         (4, 3, 3))
        self.assertEqual((rita["marketing"]["handed_off"], rita["marketing"]["accepted"]), (3, 1))
        self.assertIsNone(rita["marketing"]["cost"])  # campaign costs are marketing's
        self.assertIsNone(rita["marketing"]["roi"])
        self.assertFalse(rita["is_marketing"])
        self.assertEqual([row["name"] for row in rita["sales"]["reps"]], ["Rita Rep"])
        self.assertAlmostEqual(rita["sales"]["sla_compliance"], 50.0)  # L1 met, L3 breached
        omar = self.data(self.user_rep_other)
        self.assertEqual(omar["marketing"]["inquiries"], 4)  # L2, L4, L5, L6
        self.assertEqual([row["name"] for row in omar["sales"]["reps"]], ["Omar Other"])
        # Marketing and managers see everything, the same numbers.
        for user in (self.user_marketing, self.user_sales_manager, self.user_alignment_manager):
            data = self.data(user)
            self.assertEqual(data["marketing"]["inquiries"], 6, user.name)
            self.assertEqual(len(data["sales"]["reps"]), 2, user.name)
        self.assertAlmostEqual(self.data(self.user_marketing)["marketing"]["cost"], 2000.0)
        self.assertIsNone(self.data(self.user_sales_manager)["marketing"]["cost"])

    def test_team_leader_lands_on_their_team(self):
        leader = self.env["res.users"].create({
            "name": "Lea Leader", "login": "sma_dash_leader",
            "groups_id": [(6, 0, [self.env.ref("base.group_user").id,
                                  self.env.ref("sales_team.group_sale_salesman_all_leads").id])]})
        self.team.user_id = leader
        data = self.Dashboard.with_user(leader).get_dashboard_data(*PERIOD)
        self.assertEqual(data["default_team_id"], self.team.id)
        mine = self.data(leader)
        self.assertEqual(mine["marketing"]["inquiries"], 6)
        self.assertEqual(mine["sales"]["sla_rated"], 3)
        self.assertFalse(self.Dashboard.with_user(self.user_alignment_manager).get_dashboard_data(
            *PERIOD)["default_team_id"])

    def test_team_filter_and_periods(self):
        other = self.env["crm.team"].create({"name": "Empty Team"})
        data = self.Dashboard.get_dashboard_data(PERIOD[0], other.id, *PERIOD[2:])
        self.assertEqual(data["marketing"]["inquiries"], 0)
        self.assertIsNone(data["marketing"]["sal_rate"])
        self.assertIsNone(data["sales"]["cycle_days"])
        for period in ("month", "quarter", "year"):
            self.assertEqual(self.Dashboard.get_dashboard_data(period, self.team.id)["filters"]["period"], period)
        with self.assertRaises(UserError):
            self.Dashboard.get_dashboard_data("custom", False, "2025-03-31", "2025-03-01")
        with self.assertRaises(UserError):
            self.Dashboard.action_open_metric("no_such_number", *PERIOD)

    def test_plan_on_the_dashboard(self):
        plan = self.env["crm.funnel.plan"].create({
            "name": "March", "team_id": self.team.id, "revenue_goal": 20000.0,
            "date_from": "2025-03-01", "date_to": "2025-03-31"})
        data = self.data(self.user_alignment_manager)
        self.assertEqual(data["plan"]["id"], plan.id)
        self.assertEqual(data["plan"]["lines"]["inquiry"]["actual"], 6)
        self.assertFalse(self.Dashboard.get_dashboard_data(PERIOD[0], False, *PERIOD[2:])["plan"])


@tagged("post_install", "-at_install")
class TestAlignmentMaturity(DashboardFixture):
    """Each stage of paper 003 on the fixture, moved there by its own data
    or thresholds. On the fixture: roles 3/3, metrics 4/4, feedback
    coverage 100 % (L4 rejected and L5 lost, both with a reason), SLA 33 %
    (1 of 3), attribution coverage 100 % (L1's revenue has a touchpoint),
    calibration 100 % (grade A won 100 %, grade B 0 %)."""

    def maturity(self, date_from="2025-03-01", date_to="2025-03-31", user=None):
        company = self.company.with_user(user) if user else self.company
        return company.get_alignment_maturity(date_from=date_from, date_to=date_to, team_id=self.team.id)

    def signals(self, result):
        return {signal["name"]: (signal["value"], signal["threshold"], signal["met"]) for signal in result["signals"]}

    def test_stage_3_cooperative(self):
        result = self.maturity()
        self.assertEqual(result["stage"], 3)
        self.assertEqual(result["stage_name"], "Cooperative efforts")
        signals = self.signals(result)
        self.assertEqual(signals["roles_defined"], (3, 3, True))
        self.assertEqual(signals["metrics_tracked"], (4, 4, True))
        self.assertEqual(signals["feedback_coverage"], (100.0, 80.0, True))
        self.assertAlmostEqual(signals["sla_compliance"][0], 100 / 3)
        self.assertFalse(signals["sla_compliance"][2])
        self.assertEqual(signals["attribution_coverage"], (100.0, 70.0, True))
        self.assertEqual(signals["score_calibration"], (100.0, 100.0, True))
        self.assertEqual(len(result["next_steps"]), 1)
        self.assertIn("SLA", result["next_steps"][0])
        self.assertEqual(set(result["signals"][0]), {"name", "label", "value", "threshold", "met", "stage", "unit", "metric"})

    def test_stage_5_complete(self):
        # Thresholds are the company's: 30 % SLA compliance is enough for this one.
        self.company.alignment_sla_threshold = 30.0
        result = self.maturity()
        self.assertEqual(result["stage"], 5)
        self.assertEqual(result["next_steps"], [])

    def test_stage_4_collaboration(self):
        self.company.alignment_sla_threshold = 30.0
        # Grades that do not predict: the won deal graded B, the open one A.
        self.env.cr.execute(SQL("UPDATE crm_lead SET grade = CASE name WHEN 'L1' THEN 'b' ELSE 'a' END "
                                "WHERE id IN %s", tuple(self.leads[:2].ids)))
        result = self.maturity()
        self.assertEqual(result["stage"], 4)
        self.assertEqual(self.signals(result)["score_calibration"], (0.0, 100.0, False))
        self.assertEqual(len(result["next_steps"]), 1)

    def test_stage_2_friendly(self):
        # A month without data: nothing to compute the agreed metrics on.
        result = self.maturity("2024-01-01", "2024-01-31")
        self.assertEqual(result["stage"], 2)
        self.assertEqual(self.signals(result)["metrics_tracked"], (0, 4, False))
        self.assertEqual(len(result["next_steps"]), 1)
        self.assertIn("SAL %", result["next_steps"][0])

    def test_stage_1_us_versus_them(self):
        # Without routing rules, roles are not agreed: stage 1, whatever the data says.
        self.routing_rule.active = False
        result = self.maturity()
        self.assertEqual(result["stage"], 1)
        self.assertEqual(self.signals(result)["roles_defined"], (2, 3, False))
        self.assertIn("routing rules", result["next_steps"][0])

    def test_read_with_the_users_rights(self):
        # Rita sees L1, L3, L4: SLA 50 % (L1 met, L3 breached).
        self.assertAlmostEqual(self.signals(self.maturity(user=self.user_rep))["sla_compliance"][0], 50.0)

    def test_thresholds_are_percentages(self):
        with self.assertRaises(ValidationError):
            self.company.alignment_feedback_threshold = 120.0

