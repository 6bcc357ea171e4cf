# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import crm_lead_scans
from .test_scoring import ScoringCommon

# (name, expected revenue, decision maker, from the campaign, won, accepted by sales)
FIXTURE = [
    ("L1", 20000, True, True, True, True),     # live 85 (A), draft 65 (A)
    ("L2", 20000, True, False, True, True),    # live 45 (C), draft 65 (A)
    ("L3", 20000, False, True, True, True),    # live 70 (B), draft 50 (B)
    ("L4", 0, True, True, False, True),        # live 55 (B), draft 15 (D)
    ("L5", 0, False, True, False, False),      # live 40 (C), draft 0 (D)
    ("L6", 20000, False, False, False, True),  # live 30 (C), draft 50 (B)
    ("L7", 0, True, False, True, True),        # live 15 (D), draft 15 (D)
    ("L8", 0, False, False, False, False),     # live 0 (D), draft 0 (D)
]


@tagged("post_install", "-at_install")
class TestScoringBacktest(ScoringCommon):
    """Eight leads closed in 2001 with scores known by hand, under the live
    rules (big deal 30, decision maker 15, campaign 40; A 80, B 50, C 20,
    sales-ready 50) and a draft (big deal 50, no campaign rule; A 60,
    sales-ready 45)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.closed = Lead.create([{
            "name": name, "type": "lead", "user_id": False, "expected_revenue": revenue,
            "buying_role": "decision_maker" if decider else "unknown",
            "campaign_id": cls.campaign.id if campaign else False,
        } for name, revenue, decider, campaign, _won, _accepted in FIXTURE])
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        won = cls.closed.filtered(lambda lead: FIXTURE[int(lead.name[1:]) - 1][4])
        accepted = cls.closed.filtered(lambda lead: FIXTURE[int(lead.name[1:]) - 1][5])
        # Closed in 2001, as crm marks them (won: won stage; lost: archived at
        # probability 0), and sales accepted some: history rows, in SQL.
        cls.env.cr.execute(SQL(
            """UPDATE crm_lead SET date_closed = '2001-06-15 10:00:00',
                      active = id IN %(won)s, probability = CASE WHEN id IN %(won)s THEN 100 ELSE 0 END,
                      stage_id = CASE WHEN id IN %(won)s THEN %(stage)s ELSE stage_id END
                WHERE id IN %(ids)s""",
            won=tuple(won.ids), stage=won_stage.id, ids=tuple(cls.closed.ids)))
        cls.env["crm.lead.lifecycle.history"].create([{
            "lead_id": lead.id, "from_stage": "mql", "to_stage": "sal", "company_id": lead.company_id.id,
        } for lead in accepted])
        cls.env.invalidate_all()
        cls.draft = cls.env["crm.scoring.ruleset"].browse(
            cls.env["crm.scoring.ruleset"].action_create_draft()["res_id"])
        cls.draft_big = cls.draft.rule_ids.filtered(lambda rule: rule.name == "Big deal")
        cls.draft_big.points = 50
        cls.draft.rule_ids.filtered(lambda rule: rule.name == "Answered a campaign").active = False
        cls.draft.write({"mql_threshold": 45, "score_grade_a": 60})

    def _backtest(self, **vals):
        return self.env["crm.scoring.backtest"].create(dict({
            "ruleset_id": self.draft.id, "date_from": date(2001, 1, 1), "date_to": date(2001, 12, 31),
        }, **vals))

    def _lead_state(self):
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "SELECT id, score, grade, write_date, date_scored FROM crm_lead WHERE id IN %s ORDER BY id",
            tuple(self.closed.ids)))
        return self.env.cr.fetchall()

    def test_draft_copies_the_live_rules_and_scores_no_lead(self):
        self.assertEqual(self.draft.state, "draft")
        self.assertEqual(len(self.draft.rule_ids), 3)
        self.assertEqual(set(self.draft.rule_ids.mapped("version_state")), {"draft"})
        self.assertEqual((self.draft.mql_threshold, self.draft.score_grade_a, self.draft.score_grade_b,
                          self.draft.score_grade_c), (45, 60, 50, 20))
        self.assertEqual(self.company.mql_threshold, 50, "the live threshold is left alone")
        self.assertEqual(self.rule_big.points, 30)
        lead = self._lead(expected_revenue=20000)
        self.assertEqual(lead.score, 30, "draft rules score no lead")
        self.assertEqual(lead.score_line_ids.rule_id, self.rule_big)

    def test_backtest_numbers_by_hand(self):
        before = self._lead_state()
        backtest = self._backtest()
        backtest.with_user(self.user_alignment_manager).action_run()
        self.assertEqual(self._lead_state(), before, "a back-test writes nothing to the leads")
        self.assertEqual(backtest.state, "done")
        self.assertEqual((backtest.closed_count, backtest.won_count), (8, 4))
        # Hand-offs: live 85, 70, 55 reach 50 (2 won); draft 65, 65, 50, 50 reach 45 (3 won).
        self.assertEqual((backtest.live_threshold, backtest.live_handed_count, backtest.live_handed_won_count),
                         (50, 3, 2))
        self.assertEqual((backtest.draft_threshold, backtest.draft_handed_count,
                          backtest.draft_handed_won_count), (45, 4, 3))
        # AUC: live, won {85, 70, 45, 15} against lost {55, 40, 30, 0}: 4 + 4 + 3 + 1 = 12 of 16
        # pairs; draft, won {65, 65, 50, 15} against lost {50, 15, 0, 0}: 4 + 4 + 3.5 + 2.5 = 14.
        self.assertAlmostEqual(backtest.live_auc, 0.75)
        self.assertAlmostEqual(backtest.draft_auc, 0.875)
        # Lift of grade A: live A = L1 (won), draft A = L1, L2 (won): 100 % / 50 %.
        self.assertAlmostEqual(backtest.live_lift_a, 2.0)
        self.assertAlmostEqual(backtest.draft_lift_a, 2.0)
        grades = {line.grade: line for line in backtest.line_ids if line.kind == "grade"}
        self.assertEqual(
            [(grades[g].live_count, grades[g].live_won_count, grades[g].live_accepted_count) for g in "abcd"],
            [(1, 1, 1), (2, 1, 2), (3, 1, 2), (2, 1, 1)])
        self.assertEqual(
            [(grades[g].draft_count, grades[g].draft_won_count, grades[g].draft_accepted_count) for g in "abcd"],
            [(2, 2, 2), (2, 1, 2), (0, 0, 0), (4, 1, 2)])
        self.assertEqual(grades["c"].live_won_rate, 33.3)  # 1 of 3, one decimal
        self.assertEqual(grades["c"].live_acceptance_rate, 66.7)  # 2 of 3
        self.assertAlmostEqual(grades["d"].draft_acceptance_rate, 50.0)
        buckets = {line.bucket_from: line for line in backtest.line_ids if line.kind == "bucket"}
        self.assertEqual(sorted(buckets), [0, 10, 30, 40, 50, 60, 70, 80])
        self.assertEqual(
            {bucket: (line.live_count, line.draft_count) for bucket, line in buckets.items()},
            {80: (1, 0), 70: (1, 0), 60: (0, 2), 50: (1, 2), 40: (2, 0), 30: (1, 0), 10: (1, 2), 0: (1, 2)})
        self.assertEqual((buckets[50].label, buckets[50].draft_won_rate, buckets[50].live_won_rate),
                         ("50 to 59", 50.0, 0.0))
        self.assertIn("The draft hands 33 % more leads to sales (4 instead of 3)", backtest.verdict)
        self.assertIn("keeps every won one (3 won, 2 with the live rules)", backtest.verdict)
        self.assertIn("0.88 for the draft, 0.75 live", backtest.verdict)

    def test_backtest_statement_without_jit_setting_restored(self):
        """The back-test's statement runs with PostgreSQL's JIT off
        (tools.sql.jit_off, as the scoring statement); the transaction keeps
        its own setting, and the numbers are those of the fixture."""
        self.env.cr.execute("SET LOCAL jit = on")
        backtest = self._backtest()
        backtest.action_run()
        self.env.cr.execute("SHOW jit")
        self.assertEqual(self.env.cr.fetchone()[0], "on")
        self.assertEqual((backtest.closed_count, backtest.live_handed_count, backtest.draft_handed_count), (8, 3, 4))

    def test_backtest_statement_two_scans_of_the_leads(self):
        """The statement finds the closed leads once and matches the rules of
        both versions side by side in one more scan (match_select): two
        reads of crm_lead, however many rules (five here)."""
        backtest = self._backtest()
        rules = backtest._version_rules()
        self.assertEqual(sum(len(version_rules) for version_rules in rules.values()), 5)
        selects = {rule.id: backtest._compile(rule) for version in rules for rule in rules[version]}
        self.env.flush_all()
        statement = backtest._distribution_sql(rules, selects, backtest._closed_domain())
        self.assertEqual(crm_lead_scans(self.env, statement), 2)

    def test_verdict_fewer_leads(self):
        self.draft.mql_threshold = 60  # draft hands L1, L2 (65): 2 leads, both won
        backtest = self._backtest()
        backtest.action_run()
        self.assertEqual((backtest.draft_handed_count, backtest.draft_handed_won_count), (2, 2))
        self.assertIn("The draft hands 33 % fewer leads to sales (2 instead of 3) and keeps every won one "
                      "(2 won, 2 with the live rules).", backtest.verdict)
        # No big deal points, the campaign rule back, sales-ready at 50: the
        # draft scores L1 55, L4 55 (handed; L1 won), the others under 50.
        self.draft_big.points = 0
        self.draft.rule_ids.with_context(active_test=False).filtered(
            lambda rule: rule.name == "Answered a campaign").active = True
        self.draft.mql_threshold = 50
        backtest.action_run()
        self.assertEqual((backtest.draft_handed_count, backtest.draft_handed_won_count), (2, 1))
        self.assertIn("The draft hands 33 % fewer leads to sales (2 instead of 3) and keeps 50 % of the "
                      "won ones (1 of 2).", backtest.verdict)
        self.assertEqual(len(backtest.line_ids.filtered(lambda line: line.kind == "grade")), 4,
                         "a new run replaces the lines")

    def test_bad_input(self):
        before = self._lead_state()
        with self.assertRaisesRegex(UserError, "No lead of .* was won or lost between"):
            self._backtest(date_from=date(1999, 1, 1), date_to=date(1999, 12, 31)).action_run()
        other = self.env["res.company"].create({"name": "Other Co"})
        with self.assertRaisesRegex(ValidationError, "compares the rules of"):
            self._backtest(company_id=other.id)
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self._backtest(date_from=date(2002, 1, 1))
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE crm_scoring_rule SET domain = %s WHERE id = %s",
                                "[('x_removed_field', '=', 1)]", self.draft_big.id))
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "invalid rule"):
            self._backtest().action_run()
        self.assertEqual(self._lead_state(), before)

    @mute_logger("odoo.sql_db")
    def test_draft_rule_failing_in_the_database(self):
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE crm_scoring_rule SET domain = %s WHERE id = %s",
                                "[('name', '=like', '\\\\')]", self.draft_big.id))
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, 'Draft rule "Big deal" cannot be evaluated'):
            self._backtest().action_run()

    def test_rights(self):
        with self.assertRaises(AccessError):
            self.env["crm.scoring.backtest"].with_user(self.user_rep).search([])
        with self.assertRaises(AccessError):
            self.env["crm.scoring.ruleset"].with_user(self.user_marketing).action_create_draft()
        draft = self.env["crm.scoring.ruleset"].with_user(self.user_alignment_manager).action_create_draft()
        self.assertTrue(draft["res_id"])

    def test_publish_and_restore(self):
        lead = self._lead(expected_revenue=20000, campaign_id=self.campaign.id)
        self.assertEqual(lead.score, 70)
        version = self.company.score_rules_version
        live_rules = self.rule_big | self.rule_decider | self.rule_campaign
        self.draft.with_user(self.user_alignment_manager).action_publish()
        self.assertEqual(self.draft.state, "live")
        self.assertGreater(self.company.score_rules_version, version)
        self.assertEqual((self.company.mql_threshold, self.company.score_grade_a), (45, 60))
        self.assertEqual(set(live_rules.mapped("version_state")), {"archived"})
        previous = live_rules.ruleset_id
        self.assertEqual((len(previous), previous.state, previous.mql_threshold, previous.score_grade_a),
                         (1, "archived", 50, 80))
        self.run_pipeline_job()
        self.assertEqual((lead.score, lead.grade), (50, "b"), "rescored by the job: big deal 50, no campaign rule")
        previous.action_publish()  # restore
        self.assertEqual((previous.state, self.draft.state), ("live", "archived"))
        self.assertEqual(set(live_rules.mapped("version_state")), {"live"})
        self.assertEqual((self.company.mql_threshold, self.company.score_grade_a), (50, 80))
        self.run_pipeline_job()
        self.assertEqual(lead.score, 70)
        with self.assertRaises(UserError):
            previous.unlink()
