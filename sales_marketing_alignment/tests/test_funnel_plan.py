# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import AlignmentCommon
from .funnel_fixture import make_funnel_leads, paths


@tagged("post_install", "-at_install")
class TestFunnelPlan(AlignmentCommon):
    """Funnel math on a fixture whose numbers are worked out by hand.

    Look-back (2025-01-15, inside the 12 months before 2025-07-01): 20 leads
    reach inquiry, 10 lead, 8 MQL, 4 SAL, 4 SQL, 2 customer (won for 10,000
    and 30,000): rates 50 %, 80 %, 50 %, 100 %, 50 %; average deal 20,000.
    Goal 200,000: 10 customers, 20 SQL, 20 SAL, 40 MQL, 50 leads, 100
    inquiries (= 200,000 / 20,000 / (0.5 x 0.8 x 0.5 x 1 x 0.5)).

    Period (2025-07-01 to 2025-09-30, over): 10 inquiries, 5 leads, 4 MQLs,
    1 SAL, 1 SQL, 1 customer (won for 50,000). MQL -> SAL runs at 25 %
    against 50 % planned (ratio 0.5, the lowest): the bottleneck, short of
    4 x (50 % - 25 %) = 1 lead, worth 1 x 100 % x 50 % x 20,000 = 10,000."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        history = datetime(2025, 1, 15, 9, 0)
        period = datetime(2025, 8, 4, 9, 0)
        specs = [{"path": path, "start": history} for path in paths(
            {"inquiry": 10, "lead": 2, "mql": 3, "sql": 1})]
        # one MQL went to nurture and stays there: it reached MQL all the same
        specs.append({"path": ["inquiry", "lead", "mql", "nurture"], "start": history})
        # converted by Odoo straight from inquiry to opportunity: reached lead, MQL and SAL too
        specs.append({"path": ["inquiry", "sql"], "start": history})
        specs += [{"path": paths({"customer": 1})[0], "start": history, "revenue": revenue}
                  for revenue in (10000.0, 30000.0)]
        specs += [{"path": path, "start": period} for path in paths({"inquiry": 5, "lead": 1, "mql": 3})]
        specs.append({"path": paths({"customer": 1})[0], "start": period, "revenue": 50000.0})
        # outside both windows: counts nowhere
        specs.append({"path": paths({"customer": 1})[0], "start": datetime(2023, 5, 1), "revenue": 999999.0})
        cls.leads = make_funnel_leads(cls.env, specs, cls.team)
        cls.plan = cls.env["crm.funnel.plan"].create({
            "name": "Q3 2025", "team_id": cls.team.id, "revenue_goal": 200000.0,
            "date_from": "2025-07-01", "date_to": "2025-09-30",
        })

    def _lines(self, plan):
        return {line.stage: line for line in plan.line_ids}

    def test_rates_and_needed_counts(self):
        plan = self.plan
        self.assertEqual(plan.lookback_months, 12)
        self.assertAlmostEqual(plan.avg_deal_size, 20000.0)
        lines = self._lines(plan)
        self.assertEqual([round(lines[s].conversion_rate, 6) for s in ("inquiry", "lead", "mql", "sal", "sql")],
                         [50.0, 80.0, 50.0, 100.0, 50.0])
        self.assertEqual(lines["customer"].conversion_rate, 0.0)
        self.assertEqual({s: round(line.required_count, 6) for s, line in lines.items()},
                         {"customer": 10.0, "sql": 20.0, "sal": 20.0, "mql": 40.0, "lead": 50.0, "inquiry": 100.0})
        self.assertAlmostEqual(plan.leads_needed, 100.0)
        self.assertFalse(plan.warning)

    def test_jit_setting_restored(self):
        """The plan's query runs without PostgreSQL's JIT; the transaction
        keeps its own setting afterwards, and the figures are the same."""
        self.env.cr.execute("SET LOCAL jit = on")
        self.plan.invalidate_recordset()
        self.assertAlmostEqual(self.plan.leads_needed, 100.0)
        self.env.cr.execute("SHOW jit")
        self.assertEqual(self.env.cr.fetchone()[0], "on")

    def test_actuals_projection_and_bottleneck(self):
        plan = self.plan
        lines = self._lines(plan)
        self.assertEqual({s: line.actual_count for s, line in lines.items()},
                         {"inquiry": 10, "lead": 5, "mql": 4, "sal": 1, "sql": 1, "customer": 1})
        self.assertAlmostEqual(lines["mql"].actual_rate, 25.0)
        self.assertAlmostEqual(plan.actual_revenue, 50000.0)
        # the period is over: the projection is what was won
        self.assertAlmostEqual(plan.projected_revenue, 50000.0)
        self.assertEqual(plan.bottleneck_stage, "mql")
        self.assertTrue(lines["mql"].is_bottleneck)
        self.assertAlmostEqual(plan.bottleneck_gap_leads, 1.0)
        self.assertAlmostEqual(plan.bottleneck_gap_revenue, 10000.0)
        self.assertFalse(plan.goal_met)

    def test_linear_projection_mid_period(self):
        # Half of a 61-day period gone (by the clock of the test): won so far x 2.
        plan = self.plan.copy({"name": "Running", "date_from": "2025-08-01", "date_to": "2025-09-30"})
        with freeze_time("2025-08-31 12:00:00"):
            plan.invalidate_recordset()
            self.assertAlmostEqual(plan.actual_revenue, 50000.0)
            self.assertAlmostEqual(plan.projected_revenue, 100000.0)
            self.assertEqual(self._lines(plan)["inquiry"].actual_count, 10)
            self.assertAlmostEqual(self._lines(plan)["inquiry"].projected_count, 20.0)

    def test_doubling_the_goal_doubles_every_needed_figure(self):
        single = {s: line.required_count for s, line in self._lines(self.plan).items()}
        needed = self.plan.leads_needed
        double = self.plan.copy({"name": "Double", "revenue_goal": 400000.0})
        self.assertAlmostEqual(double.leads_needed, 2 * needed)
        for stage, line in self._lines(double).items():
            self.assertAlmostEqual(line.required_count, 2 * single[stage], msg=stage)

    def test_goal_already_met(self):
        plan = self.plan.copy({"name": "Small", "revenue_goal": 40000.0})
        self.assertTrue(plan.goal_met)
        self.assertFalse(plan.bottleneck_stage)
        self.assertEqual(plan.bottleneck_gap_leads, 0.0)
        self.assertIn("already met", plan.warning)
        self.assertAlmostEqual(plan.leads_needed, 20.0)

    def test_no_history(self):
        plan = self.plan.copy({"name": "Too early", "date_from": "2020-01-01", "date_to": "2020-03-31"})
        self.assertEqual(plan.avg_deal_size, 0.0)
        self.assertEqual(plan.leads_needed, 0.0)
        self.assertFalse(plan.bottleneck_stage)
        self.assertIn("No lead entered the funnel", plan.warning)
        self.assertEqual(set(plan.line_ids.mapped("required_count")), {0.0})

    def test_zero_rate(self):
        other = self.env["crm.team"].create({"name": "Zero Rate Team"})
        history = datetime(2025, 2, 1, 9, 0)
        old = datetime(2023, 3, 1, 9, 0)
        # In the look-back, nobody went from MQL to SAL (0 of 2); the one
        # deal won in it had reached SAL in 2023 and became an SQL and a
        # customer in the window (SQL -> customer: 1 of 1; SAL: nobody entered).
        make_funnel_leads(self.env, [{"path": path, "start": history} for path in paths({"mql": 2, "lead": 1})] + [{
            "path": ["inquiry", "lead", "mql", "sal", "sql", "customer"], "start": old, "revenue": 8000.0,
            "dates": [old, old, old, old, history, history]}], other)
        plan = self.env["crm.funnel.plan"].create({
            "name": "Zero", "team_id": other.id, "revenue_goal": 80000.0,
            "date_from": "2025-07-01", "date_to": "2025-09-30"})
        lines = self._lines(plan)
        self.assertAlmostEqual(plan.avg_deal_size, 8000.0)
        self.assertEqual(lines["mql"].conversion_rate, 0.0)
        self.assertAlmostEqual(lines["sql"].conversion_rate, 100.0)
        self.assertAlmostEqual(lines["customer"].required_count, 10.0)
        self.assertAlmostEqual(lines["sql"].required_count, 10.0)
        # before a zero step nothing can be computed: empty, not a division error
        self.assertEqual([lines[s].required_count for s in ("inquiry", "lead", "mql", "sal")], [0.0] * 4)
        self.assertEqual(plan.leads_needed, 0.0)
        self.assertIn("from MQL to SAL", plan.warning)
        self.assertIn("from SAL to SQL", plan.warning)

    def test_reached_dates_follow_the_lifecycle(self):
        lead = self.env["crm.lead"].create({"name": "Engine lead", "type": "lead", "team_id": self.team.id})
        self.assertEqual(lead.lifecycle_stage, "lead")  # no lead definition: a lead at once
        self.assertTrue(lead.date_reached_inquiry)
        self.assertEqual(lead.date_reached_lead, lead.date_reached_inquiry)
        self.assertFalse(lead.date_reached_mql)
        # Odoo's conversion makes it an SQL: it reached MQL and SAL on the way.
        lead.write({"type": "opportunity"})
        self.assertEqual(lead.lifecycle_stage, "sql")
        self.assertTrue(lead.date_reached_sql)
        self.assertEqual((lead.date_reached_mql, lead.date_reached_sal), (lead.date_reached_sql,) * 2)
        self.assertFalse(lead.date_reached_customer)
        # History rewritten in SQL (as the install and the demo do), then resynchronized.
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_lead_lifecycle_history SET date = '2024-01-01' WHERE lead_id = %s",
                            [lead.id])
        self.env["crm.lead.lifecycle.history"]._sync_funnel_dates([lead.id])
        self.assertEqual(str(lead.date_reached_sql), "2024-01-01 00:00:00")

    def test_constraints(self):
        with self.assertRaises(ValidationError):
            self.plan.copy({"date_from": "2025-10-01", "date_to": "2025-09-01"})
        with self.assertRaises(ValidationError):
            self.plan.copy({"lookback_months": 0})

    def test_open_stage_leads(self):
        action = self._lines(self.plan)["mql"].action_open_leads()
        leads = self.env["crm.lead"].with_context(active_test=False).search(action["domain"])
        self.assertEqual(len(leads), 4)
        self.assertLessEqual(leads, self.leads)

    def test_dashboard_figures_open_what_they_count(self):
        """Each figure of the plan on the dashboard opens the leads it counts
        (action_open_metric with the plan): per stage the period's actual
        count and the look-back count its rate comes from, the revenue won so
        far, and the bottleneck's leads that did not go further (MQL: 4
        entered in the period, 1 reached SAL, so 3)."""
        Dashboard = self.env["crm.alignment.dashboard"].with_user(self.user_alignment_manager)
        plan = self.plan.with_user(self.user_alignment_manager)

        def leads(key):
            action = Dashboard.action_open_metric(key, "month", False, False, False, False, plan.id)
            self.assertEqual(action["res_model"], "crm.lead")
            return self.env["crm.lead"].with_user(self.user_alignment_manager).with_context(
                **action["context"]).search(action["domain"])

        lines = self._lines(plan)
        history = {"inquiry": 20, "lead": 10, "mql": 8, "sal": 4, "sql": 4, "customer": 2}
        for stage, line in lines.items():
            self.assertEqual(len(leads(f"plan_actual_{stage}")), line.actual_count, stage)
            self.assertEqual(len(leads(f"plan_history_{stage}")), history[stage], stage)
        won = leads("plan_won")
        self.assertEqual(sum(won.mapped("expected_revenue")), plan.actual_revenue)
        self.assertEqual(won.mapped("expected_revenue"), [50000.0])
        gap = leads("plan_gap")
        self.assertEqual(len(gap), 3)
        self.assertEqual(set(gap.mapped("lifecycle_stage")), {"mql"})
        with self.assertRaises(UserError):
            Dashboard.action_open_metric("plan_actual_nowhere", "month", False, False, False, False, plan.id)
        with self.assertRaises(UserError):
            Dashboard.action_open_metric("plan_won", "month", False, False, False, False, 0)
        # Goal met: no bottleneck to open.
        plan.sudo().revenue_goal = 1000.0
        with self.assertRaises(UserError):
            leads("plan_gap")

    def test_won_by_won_date(self):
        """Won so far and the average deal count deals won now, by their won
        date, as the dashboard does: a deal whose history says Customer on
        January 20 (as an install dates deals won before it, at creation) but
        won on August 10 counts in the period, not in the look-back window;
        reopened, it counts nowhere."""
        [deal] = make_funnel_leads(self.env, [{
            "path": ["customer"], "start": datetime(2025, 1, 20, 9, 0), "revenue": 7000.0,
            "values": {"date_closed": datetime(2025, 8, 10, 9, 0)}}], self.team)
        plan = self.plan
        plan.invalidate_recordset()
        self.assertAlmostEqual(plan.actual_revenue, 57000.0)  # 50,000 + 7,000
        self.assertAlmostEqual(plan.avg_deal_size, 20000.0)  # still (10,000 + 30,000) / 2
        action = self.env["crm.alignment.dashboard"].action_open_metric(
            "plan_won", "month", False, False, False, False, plan.id)
        won = self.env["crm.lead"].with_context(**action["context"]).search(action["domain"])
        self.assertEqual(sorted(won.mapped("expected_revenue")), [7000.0, 50000.0])
        deal.write({"stage_id": self.env["crm.stage"].search([("is_won", "=", False)], limit=1).id,
                    "probability": 40})
        plan.invalidate_recordset()
        self.assertAlmostEqual(plan.actual_revenue, 50000.0)
