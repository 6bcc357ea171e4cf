# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real database cursors run the scoring job's claim and pipeline at the
same time, as two cron workers or two servers would. Data is committed
(the other cursor must see it) and removed afterwards."""

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import archive_alignment_rules, restore_alignment_rules


@tagged("post_install", "-at_install")
class TestScoringWorkers(TransactionCase):

    def setUp(self):
        super().setUp()
        self.tag = "sma_workers_%s" % id(self)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            archived = archive_alignment_rules(env)
            self.saved_threshold = env.company.mql_threshold
            env.company.mql_threshold = 0
            # Leads first (nothing scores them), then the rule.
            leads = env["crm.lead"].create([{
                "name": "%s %02d" % (self.tag, i), "type": "lead", "user_id": False, "team_id": False,
                "expected_revenue": 20000,
            } for i in range(12)])
            rule = env["crm.scoring.rule"].create({
                "name": self.tag, "dimension": "fit", "points": 30,
                "domain": "[('expected_revenue', '>=', 10000)]"})
            self.ids = {"leads": leads.ids, "rule": rule.id, "archived": archived}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).browse(self.ids["leads"]).unlink()
            env["crm.scoring.rule"].browse(self.ids["rule"]).unlink()
            restore_alignment_rules(env, self.ids["archived"])
            env.company.mql_threshold = self.saved_threshold
        self.registry.clear_cache()

    def _worker(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SET LOCAL lock_timeout = '5s'")  # fail fast instead of hanging
        Scoring = env["crm.scoring.rule"]
        owed = [("id", "in", self.ids["leads"]), ("date_scored", "=", False)]
        leads = Scoring._claim_leads(owed, 5)
        return set(leads._pipeline_run().ids)

    def test_two_workers_claim_different_chunks(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            first = self._worker(cr1)
            second = self._worker(cr2)  # cr1 has not committed: its leads are locked
            cr1.commit()
            cr2.commit()
        self.assertEqual((len(first), len(second)), (5, 5))
        self.assertFalse(first & second, "no lead is scored twice")
        with self.registry.cursor() as cr3:
            third = self._worker(cr3)
        self.assertEqual(third, set(self.ids["leads"]) - first - second, "the third run takes the rest")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].browse(self.ids["leads"])
            self.assertEqual(set(leads.mapped("score")), {30})
            self.assertEqual(len(leads.score_line_ids), 12, "one explanation line per lead")

    @mute_logger("odoo.sql_db")
    def test_parallel_counts_never_fail_a_batch(self):
        """Both workers count their batch on the company at once: the second
        one's count is dropped (the summary undercounts), its batch is kept."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            before = env.company.score_rules_pending_rescored
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            first = self._worker(cr1)
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env1["crm.scoring.rule"]._summarize_rule_changes(env1["crm.lead"].browse(first), 0, finished=False)
            second = self._worker(cr2)
            cr2.execute("SET LOCAL lock_timeout = '1s'")
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            env2["crm.scoring.rule"]._summarize_rule_changes(env2["crm.lead"].browse(second), 0, finished=False)
            cr1.commit()
            cr2.commit()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env.company.score_rules_pending_rescored, before + 5)
            self.assertEqual(len(env["crm.lead"].browse(list(first | second)).filtered("date_scored")), 10)
            env.company.score_rules_pending_rescored = before

    @mute_logger("odoo.sql_db")
    def test_claim_after_a_parallel_commit_steps_aside(self):
        """A worker whose transaction began before the other worker committed
        its batch sees those leads still owed; locking them would be a
        serialization failure (REPEATABLE READ). The job steps aside instead
        of failing: nothing done, nothing lost, the job triggered again; its
        next run (a new transaction) takes the leads still owed."""
        with self.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
            last_trigger = cr.fetchone()[0]
            before = api.Environment(cr, SUPERUSER_ID, {}).company.score_rules_pending_rescored
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            cr2.execute("SET LOCAL lock_timeout = '5s'")
            env2["crm.lead"].browse(self.ids["leads"]).read(["name"])  # its snapshot starts here
            first = self._worker(cr1)
            cr1.commit()
            self.assertEqual(env2["crm.scoring.rule"]._cron_score_leads(batch_size=5), 0, "stepped aside")
            cr2.commit()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].browse(self.ids["leads"])
            self.assertEqual(set(leads.filtered("date_scored").ids), first, "only the first worker's batch")
            triggers = env["ir.cron.trigger"].search([("id", ">", last_trigger)])
            self.assertEqual(triggers.cron_id, env.ref("sales_marketing_alignment.ir_cron_score_leads"),
                             "the job runs again")
            self.assertEqual(env["crm.scoring.rule"]._cron_score_leads(batch_size=5), 5)
            # The job counted its batch for the change summary: not this test's business.
            env.company.score_rules_pending_rescored = before
