# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import random
from datetime import timedelta

from odoo import fields
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from ..tools.constants import BUDGET_STATUSES, BUYING_ROLES, COMPANY_SIZES
from ..tools.domain import eval_domain
from ..tools.sql import jit_off, match_select
from .common import crm_lead_scans
from .test_scoring import ScoringCommon


@tagged("post_install", "-at_install")
class TestScoringSqlEngine(ScoringCommon):
    """The set-based SQL engine against a straightforward per-lead
    reference written here: random rules on a few fields, random leads,
    decay, rule changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.mql_threshold = 0  # scores only: no hand-off
        cls.campaign_2 = cls.env["utm.campaign"].create({"title": "Second Campaign"})

    def _random_domain(self, rng):
        kind = rng.choice(["revenue", "role", "size", "budget", "campaign", "and", "or"])
        if kind == "revenue":
            return [("expected_revenue", rng.choice([">=", "<", ">"]), rng.choice([0, 5000, 10000, 50000]))]
        if kind == "role":
            return [("buying_role", "in", rng.sample([key for key, _label in BUYING_ROLES], 2))]
        if kind == "size":
            return [("company_size", "=", rng.choice(COMPANY_SIZES)[0])]
        if kind == "budget":
            return [("budget_status", "!=", rng.choice(BUDGET_STATUSES)[0])]
        if kind == "campaign":
            return [("campaign_id", rng.choice(["!=", "="]), False)]
        left, right = self._random_domain(rng), self._random_domain(rng)
        return (["&"] if kind == "and" else ["|"]) + left + right

    def _random_lead_vals(self, rng, i):
        return {
            "name": "Random %s" % i, "type": "lead", "user_id": False,
            "expected_revenue": rng.choice([0, 1000, 5000, 9999, 10000, 20000, 80000]),
            "buying_role": rng.choice(BUYING_ROLES)[0],
            "company_size": rng.choice(COMPANY_SIZES)[0],
            "budget_status": rng.choice(BUDGET_STATUSES)[0],
            "campaign_id": rng.choice([False, self.campaign.id, self.campaign_2.id]),
        }

    @staticmethod
    def _reference_decay(points, half_life, since, now):
        if not half_life or now <= since:
            return points
        return int(round(points * 0.5 ** ((now - since).total_seconds() / 86400.0 / half_life)))

    @staticmethod
    def _reference_grade(score):
        return "a" if score >= 80 else "b" if score >= 50 else "c" if score >= 20 else "d"

    def _check_against_reference(self, leads, since_before):
        """Each lead, each active rule, one at a time, in memory."""
        self.env.invalidate_all()
        rules = self.Rule.search([("company_id", "=", self.company.id)])
        for lead in leads:
            now = lead.date_scored
            expected, fit, engagement = {}, 0, 0
            for rule in rules:
                if not lead.filtered_domain(eval_domain(rule.domain, self.env)):
                    continue
                since = since_before.get((lead.id, rule.id), now)
                points = self._reference_decay(rule.points, rule.half_life_days, since, now)
                expected[rule.id] = (rule.dimension, rule.points, points, since)
                if rule.dimension == "fit":
                    fit += points
                else:
                    engagement += points
            got = {line.rule_id.id: (line.dimension, line.rule_points, line.points, line.date_matched)
                   for line in lead.score_line_ids}
            self.assertEqual(got, expected, lead.name)
            self.assertEqual(
                (lead.fit_score, lead.engagement_score, lead.score, lead.grade),
                (fit, engagement, fit + engagement, self._reference_grade(fit + engagement)), lead.name)

    def test_random_rules_and_leads_match_the_reference(self):
        rng = random.Random(11)
        for i in range(12):
            dimension = rng.choice(["fit", "engagement"])
            self.Rule.create({
                "name": "Random rule %s" % i, "dimension": dimension,
                "domain": repr(self._random_domain(rng)),
                "points": rng.choice([-40, -15, 5, 7, 10, 15, 25, 33, 60]),
                "half_life_days": rng.choice([0, 3, 10]) if dimension == "engagement" else 0,
            })
        leads = self.Lead.create([self._random_lead_vals(rng, i) for i in range(60)])
        self.flush_pipeline()
        self.assertEqual(len(leads.filtered("date_scored")), 60)
        self._check_against_reference(leads, {})
        self.assertTrue(leads.score_line_ids, "the random rules match some leads")

        # Time passes for some lines (decay), leads change, rules change.
        now = fields.Datetime.now()
        for line in leads.score_line_ids:
            if rng.random() < 0.6:
                line.date_matched = now - timedelta(days=rng.choice([1, 2.5, 3, 7, 10, 30]), hours=rng.randint(0, 23))
        for lead in leads:
            if rng.random() < 0.3:
                lead.write(self._random_lead_vals(rng, lead.id))
        rules = self.Rule.search([("name", "like", "Random rule")])
        rules[0].active = False
        rules[1].points = 77
        rules[2].domain = repr(self._random_domain(rng))
        self.env.flush_all()
        since_before = {(line.lead_id.id, line.rule_id.id): line.date_matched for line in leads.score_line_ids}
        leads.action_score_and_route()
        self._check_against_reference(leads, since_before)
        self.assertFalse(leads.score_line_ids.filtered(lambda line: line.rule_id == rules[0]))

    def test_match_select_one_scan_for_many_domains_joins_apart(self):
        """match_select: the domains compiled on crm_lead alone are matched
        side by side in one scan of the batch, a query with a join on its
        own, an empty one left out, and nothing outside the batch."""
        belgium, france = self.env.ref("base.be"), self.env.ref("base.fr")
        leads = self.Lead.create([
            {"name": "Big Belgian", "expected_revenue": 20000, "country_id": belgium.id},
            {"name": "Small Belgian", "expected_revenue": 100, "country_id": belgium.id},
            {"name": "Big French", "expected_revenue": 50000, "country_id": france.id},
            {"name": "Nowhere", "expected_revenue": 0},
        ])
        outside = self.Lead.create({"name": "Outside the batch", "expected_revenue": 90000})
        big, small, french, nowhere = leads
        Lead = self.Lead.sudo().with_context(active_test=False)
        joined = Lead._search([])
        country = joined.left_join(joined.table, "country_id", "res_country", "id", "country_id")
        joined.add_where(SQL("%s = %s", SQL.identifier(country, "code"), "BE"))
        queries = [
            (1, Lead._search([("expected_revenue", ">=", 10000)])),
            (2, Lead._search([("country_id.code", "=", "FR")])),
            (3, joined),
            (4, Lead._search([("id", "in", [])])),
            (5, Lead._search([])),
        ]
        self.env.flush_all()
        select = match_select(queries, leads.ids)
        self.env.cr.execute(select)
        rows = self.env.cr.fetchall()
        self.assertEqual(sorted(rows), sorted([
            (1, big.id), (1, french.id), (2, french.id), (3, big.id), (3, small.id),
            (5, big.id), (5, small.id), (5, french.id), (5, nowhere.id),
        ]))  # each match once, none of the lead outside the batch (it matches 1 and 5)
        self.assertNotIn(outside.id, {lead_id for _key, lead_id in rows})
        # Four domains on crm_lead alone, one scan; the join, one more.
        self.assertEqual(crm_lead_scans(self.env, select), 2)
        self.assertIsNone(match_select([(4, Lead._search([("id", "in", [])]))], leads.ids))
        # The records as a subselect (a back-test's closed leads): the same rows.
        self.env.cr.execute(match_select(queries, Lead._search([("id", "in", leads.ids)]).subselect()))
        self.assertEqual(sorted(self.env.cr.fetchall()), sorted(rows))

    def test_score_lines_indexed_by_lead_and_rule_only(self):
        """The explanation lines carry no index of their own on lead_id (the
        unique lead/rule index serves it) nor company_id; an index left by
        an earlier version of the module is dropped when the module loads."""
        self.env.cr.execute(SQL("CREATE INDEX crm_lead_score_line__lead_id_index ON crm_lead_score_line (lead_id)"))
        self.env["crm.lead.score.line"].init()
        indexes = self.env.execute_query(SQL(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'crm_lead_score_line' ORDER BY indexname"))
        self.assertEqual(sorted(row[0].split(" USING ")[1] for row in indexes),
                         ["btree (id)", "btree (lead_id, rule_id)", "btree (rule_id)"])

    def test_scoring_statement_without_jit_setting_restored(self):
        """The scoring statement runs with PostgreSQL's JIT off (jit_off);
        the transaction keeps its own setting before and after."""
        def jit():
            self.env.cr.execute("SHOW jit")
            return self.env.cr.fetchone()[0]

        self.env.cr.execute("SET LOCAL jit = on")
        with jit_off(self.env.cr):
            self.assertEqual(jit(), "off")
        self.assertEqual(jit(), "on")
        lead = self._lead(expected_revenue=60000)
        lead.score_line_ids.unlink()
        lead.action_score_and_route()
        self.assertIn(self.rule_big, lead.score_line_ids.rule_id)
        self.assertEqual(jit(), "on")

    def test_form_creation_costs_the_same_with_10_scoring_and_5_routing_rules(self):
        """Matching is one statement for all the rules of a batch: more rules
        cost no more queries."""
        def create_through_form(name):
            form = Form(self.env["crm.lead"].with_context(default_type="lead"))
            form.name = name
            form.buying_role = "decision_maker"
            self.env.flush_all()
            count = self.env.cr.sql_log_count
            lead = form.save()
            return lead, self.env.cr.sql_log_count - count

        Routing = self.env["crm.routing.rule"]
        self.Rule.search([]).active = False
        scoring = self.rule_decider
        scoring.active = True
        routing = Routing.create({"name": "Deciders to team", "target": "team", "team_id": self.team.id,
                                  "domain": "[('buying_role', '=', 'decision_maker')]"})
        create_through_form("Warm-up")
        lead_one, with_one = create_through_form("One of each")
        self.assertEqual((lead_one.score, lead_one.routing_rule_id), (15, routing))

        scoring |= self.Rule.create([{
            "name": "Rule %s" % i, "dimension": "fit", "points": 1,
            "domain": "[('name', 'ilike', '%s')]" % letter} for i, letter in enumerate("aeiouwnyt")])
        routing = Routing.create([{
            "name": "Nobody %s" % i, "sequence": i, "target": "team", "team_id": self.team.id,
            "domain": "[('buying_role', '=', 'evaluator')]"} for i in range(4)]) | routing
        self.assertEqual((len(scoring), len(routing)), (10, 5))
        create_through_form("Warm-up")
        lead_many, with_many = create_through_form("Ten and five")
        self.assertEqual((lead_many.score, lead_many.routing_rule_id), (15 + 5, routing[-1]))
        self.assertLessEqual(with_many, with_one)

    @mute_logger("odoo.sql_db")
    def test_rule_failing_in_the_database_is_skipped_and_reported(self):
        """A condition Odoo compiles but PostgreSQL refuses on the rows (a
        LIKE pattern ending with its escape character) is found on its own:
        the other rules score, the rule keeps its lines and says why."""
        leads = self.Lead.create([{"name": "A", "type": "lead", "expected_revenue": 20000,
                                   "buying_role": "decision_maker"}, {"name": "B", "type": "lead"}])
        self.flush_pipeline()
        self.assertEqual(leads.mapped("score"), [45, 0])
        self.env.cr.execute("UPDATE crm_scoring_rule SET domain = %s WHERE id = %s",
                            ["[('name', '=like', '\\\\')]", self.rule_decider.id])
        self.env.registry.clear_cache()
        self.env.invalidate_all()
        self.rule_big.points = 35
        leads.action_score_and_route()
        self.assertEqual(leads.mapped("score"), [50, 0], "the broken rule keeps its last points")
        self.assertEqual(leads[0].score_line_ids.rule_id, self.rule_big | self.rule_decider)
        self.assertIn("escape", self.rule_decider.error_message)
        self.assertFalse(self.rule_big.error_message)
