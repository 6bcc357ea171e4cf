# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AlignmentCommon

BIG_DEAL = "[('expected_revenue', '>=', 10000)]"
DECIDER = "[('buying_role', '=', 'decision_maker')]"
FROM_CAMPAIGN = "[('campaign_id', '!=', False)]"


class ScoringCommon(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["crm.scoring.rule"]
        cls.Lead = cls.env["crm.lead"]
        cls.company.write({"mql_threshold": 50, "score_grade_a": 80, "score_grade_b": 50, "score_grade_c": 20})
        cls.rule_big = cls.Rule.create({"name": "Big deal", "dimension": "fit", "domain": BIG_DEAL, "points": 30})
        cls.rule_decider = cls.Rule.create({
            "name": "Decision maker", "dimension": "fit", "domain": DECIDER, "points": 15})
        cls.rule_campaign = cls.Rule.create({
            "name": "Answered a campaign", "dimension": "engagement", "domain": FROM_CAMPAIGN, "points": 40,
            "half_life_days": 10})

    def _lead(self, **vals):
        lead = self.Lead.create(dict({"name": "Prospect", "type": "lead", "user_id": False}, **vals))
        self.flush_pipeline()
        return lead


@tagged("post_install", "-at_install")
class TestScoring(ScoringCommon):

    def test_fit_engagement_total_grade_and_explanation(self):
        lead = self._lead(expected_revenue=20000, campaign_id=self.campaign.id)
        self.assertEqual((lead.fit_score, lead.engagement_score, lead.score, lead.grade), (30, 40, 70, "b"))
        self.assertTrue(lead.date_scored)
        self.assertEqual(
            sorted(((line.rule_id, line.dimension, line.points) for line in lead.score_line_ids),
                   key=lambda line: line[0].id),
            sorted([(self.rule_big, "fit", 30), (self.rule_campaign, "engagement", 40)], key=lambda line: line[0].id))
        self.assertIn("Score 70 = fit 30 + engagement 40, grade B.", lead.score_explanation)
        self.assertIn("Big deal: +30", lead.score_explanation)
        self.assertIn("Answered a campaign: +40", lead.score_explanation)
        self.assertNotIn("Decision maker", lead.score_explanation)

        nobody = self._lead()
        self.assertEqual((nobody.score, nobody.grade), (0, "d"))
        self.assertIn("No scoring rule matches this lead.", nobody.score_explanation)

    def test_negative_points_and_every_grade(self):
        self.Rule.create({"name": "Competitor", "dimension": "fit", "points": -50,
                          "domain": "[('email_from', '=ilike', '%@rival.example')]"})
        cases = [
            ({"expected_revenue": 20000, "buying_role": "decision_maker", "campaign_id": self.campaign.id}, 85, "a"),
            ({"expected_revenue": 20000, "buying_role": "decision_maker"}, 45, "c"),
            ({"buying_role": "decision_maker"}, 15, "d"),
            ({"buying_role": "decision_maker", "email_from": "x@rival.example"}, -35, "d"),
            ({"expected_revenue": 20000, "campaign_id": self.campaign.id}, 70, "b"),
        ]
        for vals, score, grade in cases:
            with self.subTest(vals=vals):
                lead = self._lead(**vals)
                self.assertEqual((lead.score, lead.grade), (score, grade))
                self.assertEqual(lead.score, lead.fit_score + lead.engagement_score)

    def test_engagement_decay_and_daily_job(self):
        lead = self._lead(campaign_id=self.campaign.id)
        self.assertEqual(lead.engagement_score, 40)
        line = lead.score_line_ids
        now = fields.Datetime.now()
        for days, expected in ((10, 20), (20, 10), (5, 28)):
            with self.subTest(days=days):
                line.date_matched = now - timedelta(days=days)
                lead.action_score_and_route()
                self.assertEqual((line.points, line.rule_points, lead.engagement_score), (expected, 40, expected))
        self.assertIn("+28 (+40, decayed since", lead.score_explanation)

        # The daily job rescores leads scored more than a day ago.
        line.date_matched = now - timedelta(days=30)
        lead.date_scored = now - timedelta(days=2)
        self.Rule._cron_score_leads()
        self.assertEqual(lead.engagement_score, 5)

        # A fit rule does not decay: it cannot have a half-life.
        with self.assertRaises(ValidationError):
            self.rule_big.half_life_days = 5

    def test_rescore_only_when_a_read_field_is_written(self):
        lead = self._lead()
        scored_on = lead.date_scored - timedelta(hours=1)
        lead.date_scored = scored_on
        lead.write({"description": "Met at the fair", "priority": "2"})
        self.flush_pipeline()
        self.assertEqual(lead.date_scored, scored_on, "fields no rule reads do not rescore")
        lead.write({"expected_revenue": 50000})
        self.flush_pipeline()
        self.assertGreater(lead.date_scored, scored_on)
        self.assertEqual(lead.score, 30)
        lead.buying_role = "decision_maker"
        self.flush_pipeline()
        self.assertEqual(lead.score, 45)
        lead.expected_revenue = 0
        self.flush_pipeline()
        self.assertEqual((lead.score, lead.score_line_ids.rule_id), (15, self.rule_decider))

    def test_rule_changes_rescore_through_the_job(self):
        lead = self._lead(expected_revenue=20000)
        self.assertEqual(lead.score, 30)
        self.rule_big.points = 45
        self.assertTrue(self.company.score_rules_date)
        self.assertEqual(lead.score, 30, "rule changes are applied by the job, in batches")
        self.Rule._cron_score_leads()
        self.assertEqual(lead.score, 45)
        self.rule_big.active = False
        self.Rule._cron_score_leads()
        self.assertEqual((lead.score, lead.score_line_ids), (0, self.env["crm.lead.score.line"]))

    def test_grade_cutoffs_from_settings(self):
        lead = self._lead(expected_revenue=20000, buying_role="decision_maker")  # 45
        self.assertEqual(lead.grade, "c")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual((settings.mql_threshold, settings.score_grade_b), (50, 50))
        settings.write({"score_grade_a": 60, "score_grade_b": 40, "score_grade_c": 10})
        settings.execute()
        self.assertEqual(self.company.score_grade_b, 40)
        self.Rule._cron_score_leads()
        self.assertEqual(lead.grade, "b")
        for cutoffs in ({"score_grade_b": 60}, {"score_grade_c": 40}, {"score_grade_a": 10}):
            with self.subTest(cutoffs=cutoffs), self.assertRaises(ValidationError) as error:
                self.company.write(cutoffs)
            self.assertIn("Grade cut-offs must go down from A to C", str(error.exception))
        self.assertEqual(self.company.score_grade_a, 60, "nothing half-written")
        with self.assertRaises(ValidationError):
            self.company.mql_threshold = -5

    def test_job_processes_batches_and_never_scored_leads(self):
        self.Rule.search([]).active = False
        leads = self.Lead.create([{"name": "Old %s" % i, "type": "lead", "expected_revenue": 20000}
                                  for i in range(5)])
        self.flush_pipeline()
        lost = self._lead(expected_revenue=20000)
        lost.action_set_lost()
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_lead SET date_scored = NULL, score = 0 WHERE id IN %s",
                            [tuple((leads | lost).ids)])
        self.env.invalidate_all()
        self.rule_big.active = True
        self.Rule._cron_score_leads(batch_size=4)
        scored = (leads | lost).filtered("date_scored")
        self.assertEqual(len(scored), 4)
        self.Rule._cron_score_leads(batch_size=4)
        self.assertEqual((leads | lost).mapped("score"), [30] * 6, "closed leads are scored once too")
        self.assertFalse(lost.active)

    def test_job_reports_progress_to_odoo(self):
        """Run as Odoo runs it: the job's progress tells Odoo to run it again
        (in a new transaction) while leads remain."""
        self.Rule.search([]).active = False
        leads = self.Lead.create([{"name": "P%s" % i, "type": "lead", "expected_revenue": 20000}
                                  for i in range(3)])
        self.rule_big.active = True
        cron = self.env.ref("sales_marketing_alignment.ir_cron_score_leads")
        cron.code = "model._cron_score_leads(batch_size=2)"
        cron.method_direct_trigger()
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertEqual((progress.done, progress.remaining), (2, 1))
        self.assertEqual(len(leads.filtered("date_scored")), 2)
        cron.method_direct_trigger()
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertEqual(leads.mapped("score"), [30, 30, 30])

    def test_score_and_route_server_action(self):
        self.Rule.search([]).active = False
        leads = self.Lead.create([{"name": "L%s" % i, "type": "lead", "buying_role": "decision_maker"}
                                  for i in range(3)])
        self.assertFalse(leads[0].date_scored)
        self.rule_decider.active = True
        action = self.env.ref("sales_marketing_alignment.action_server_score_and_route")
        self.assertEqual(action.binding_model_id.model, "crm.lead")
        action.with_user(self.user_sales_manager).with_context(
            active_model="crm.lead", active_ids=leads[:2].ids).run()
        self.assertEqual(leads.mapped("score"), [15, 15, 0])
        self.assertFalse(leads[2].date_scored)

    @mute_logger("odoo.sql_db")
    def test_rule_failing_at_run_time_is_skipped_and_reported(self):
        self.env.flush_all()
        # A field removed by an uninstalled module: the constraint ran when
        # the rule was saved, so the condition is broken behind its back.
        self.env.cr.execute("UPDATE crm_scoring_rule SET domain = %s WHERE id = %s",
                            ["[('x_removed_field', '=', 1)]", self.rule_decider.id])
        self.env.registry.clear_cache()
        self.env.invalidate_all()
        leads = self.Lead.create([{"name": "A", "type": "lead", "expected_revenue": 20000,
                                   "buying_role": "decision_maker"}, {"name": "B", "type": "lead"}])
        self.flush_pipeline()
        self.assertEqual(leads.mapped("score"), [30, 0], "the other rules still apply")
        self.assertIn("x_removed_field", self.rule_decider.error_message)
        self.assertTrue(self.rule_decider.error_date)
        self.assertFalse(self.rule_big.error_message)
        self.rule_decider.domain = DECIDER
        leads.action_score_and_route()
        self.assertEqual(leads.mapped("score"), [45, 0])
        self.assertFalse(self.rule_decider.error_message, "the error clears once the rule runs")

    def test_bad_rules_are_refused(self):
        count = self.Rule.with_context(active_test=False).search_count([])
        cases = [
            ({"domain": "[('expected_revenue', '>'"}, "not a valid domain"),
            ({"domain": "[('no_such_field', '=', 1)]"}, "does not apply to leads"),
            ({"domain": "[]"}, "empty condition"),
            ({"points": 1001}, "between -1000 and 1000"),
            ({"points": -1001}, "between -1000 and 1000"),
            ({"dimension": "engagement", "half_life_days": -1}, "cannot be negative"),
            ({"dimension": "fit", "half_life_days": 7}, "Only engagement rules can have a half-life"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals), mute_logger("odoo.sql_db"), self.assertRaises(ValidationError) as error:
                self.Rule.create(dict({"name": "Broken", "domain": BIG_DEAL, "points": 10}, **vals))
            self.assertIn(message, str(error.exception))
        self.assertEqual(self.Rule.with_context(active_test=False).search_count([]), count, "nothing half-written")

    def test_rights(self):
        lead = self._lead(expected_revenue=20000, user_id=self.user_rep.id)
        as_rep = lead.with_user(self.user_rep)
        self.assertEqual((as_rep.score, as_rep.grade), (30, "c"))
        self.assertEqual(as_rep.score_line_ids.rule_id.name, "Big deal")
        self.assertTrue(self.Rule.with_user(self.user_rep).search([]))
        with self.assertRaises(AccessError):
            self.Rule.with_user(self.user_rep).create({"name": "Mine", "domain": BIG_DEAL, "points": 100})
        with self.assertRaises(AccessError):
            self.rule_big.with_user(self.user_rep).points = 1000
        with self.assertRaises(AccessError):
            self.rule_big.with_user(self.user_marketing).unlink()
        with self.assertRaises(AccessError):
            as_rep.score_line_ids.unlink()
        as_rep.action_score_and_route()  # reps may rescore their own leads
        rule = self.Rule.with_user(self.user_alignment_manager).create(
            {"name": "Manager's", "domain": DECIDER, "points": 5})
        rule.points = 6
        self.assertEqual(rule.points, 6)

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.assertEqual(other.mql_threshold, 50)
        other_rule = self.Rule.create({"name": "Other's", "domain": BIG_DEAL, "points": 99,
                                       "company_id": other.id})
        lead = self._lead(expected_revenue=20000)
        other_lead = self._lead(expected_revenue=20000, company_id=other.id)
        self.assertEqual((lead.score, other_lead.score), (30, 99))
        self.assertEqual(other_lead.grade, "a")
        self.assertNotIn(other_rule, self.Rule.with_user(self.user_alignment_manager).search([]))


@tagged("post_install", "-at_install")
class TestScoringLifecycle(ScoringCommon):

    def test_reaching_the_threshold_hands_off_and_falling_returns_to_nurture(self):
        lead = self._lead(expected_revenue=20000, team_id=self.team.id)
        self.assertEqual((lead.score, lead.lifecycle_stage), (30, "lead"))
        lead.campaign_id = self.campaign  # 70
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "mql")
        self.assertTrue(lead.date_handoff)
        self.assertTrue(lead.sla_feedback_deadline)
        self.assertEqual(lead.lifecycle_history_ids.sorted("id")[-1].to_stage, "mql")
        lead.campaign_id = False  # 30: before acceptance, back to nurture
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "nurture")
        lead.campaign_id = self.campaign  # rises again: handed off again
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "mql")
        lead.with_user(self.user_sales_manager).action_accept_handoff()
        lead.campaign_id = False
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "sal", "after acceptance the score no longer moves it")

    def test_threshold_respects_definition_reengage_date_and_zero(self):
        self.env["crm.lead.definition.criterion"].create({
            "name": "Budget known", "domain": "[('budget_status', 'in', ('formal', 'informal'))]"})
        inquiry = self._lead(expected_revenue=20000, campaign_id=self.campaign.id)
        self.assertEqual((inquiry.score, inquiry.lifecycle_stage), (70, "inquiry"),
                         "an inquiry does not meet the lead definition: no hand-off")
        inquiry.budget_status = "formal"
        self.flush_pipeline()
        self.assertEqual(inquiry.lifecycle_stage, "mql", "one pass: it meets the definition, then is sales-ready")
        self.assertEqual(inquiry.lifecycle_history_ids.sorted("id").mapped("to_stage"), ["inquiry", "lead", "mql"])

        nurtured = self._lead(budget_status="formal")
        nurtured._set_lifecycle_stage("nurture", "correction", extra_vals={
            "reengage_date": fields.Date.today() + timedelta(days=30)})
        nurtured.write({"expected_revenue": 20000, "campaign_id": self.campaign.id})
        self.flush_pipeline()
        self.assertEqual(nurtured.lifecycle_stage, "nurture", "not before its re-engage date")

        self.company.mql_threshold = 0
        off = self._lead(budget_status="formal", expected_revenue=20000, campaign_id=self.campaign.id)
        self.assertEqual((off.score, off.lifecycle_stage), (70, "lead"), "0 turns the hand-off off")

    def test_manual_low_score_handoff_is_not_undone(self):
        lead = self._lead()
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        lead.buying_role = "decision_maker"  # rescored 0 -> 15, still under 50
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "mql", "it never fell under the threshold")


@tagged("post_install", "-at_install")
class TestScoringPerformance(ScoringCommon):

    def _make(self, count):
        self.Rule.search([]).active = False
        leads = self.Lead.create([{
            "name": "Perf %s" % i, "type": "lead", "user_id": False,
            "expected_revenue": 20000 if i % 2 else 0,
            "buying_role": "decision_maker" if i % 3 else "unknown",
            "campaign_id": self.campaign.id,
        } for i in range(count)])
        self.flush_pipeline()
        (self.rule_big | self.rule_decider | self.rule_campaign).active = True
        self.env.flush_all()
        self.env.invalidate_all()
        return leads

    def test_query_count_scoring_1_and_100_leads(self):
        """Set-based: one statement matches every rule over the batch and
        writes the lines and scores, so 100 leads cost what 1 lead costs."""
        self.company.mql_threshold = 0  # scoring only: no lifecycle moves
        one = self._make(1)
        # 18: _make switches rules on, which empties the rule caches; the
        # engine reads the rules (and their content-opened conditions) once;
        # two queries turn JIT off for the statement and back (jit_off).
        with self.assertQueryCount(18):
            one.action_score_and_route()
        self.assertEqual(one.score, 40)
        hundred = self._make(100)
        with self.assertQueryCount(18):
            hundred.action_score_and_route()
        self.assertEqual(sorted(set(hundred.mapped("score"))), [40, 55, 70, 85])
        # Rescoring unchanged leads: no explanation line to create or delete.
        self.env.invalidate_all()
        with self.assertQueryCount(11):
            hundred.action_score_and_route()
