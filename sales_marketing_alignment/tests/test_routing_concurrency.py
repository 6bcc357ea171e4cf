# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real database cursors route at the same time, as two workers, two
crons or two users would. Data is committed (other cursors must see it)
and removed afterwards; the configuration the test changes is restored."""

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..tools.constants import ROUTING_PARAM
from .common import archive_alignment_rules, restore_alignment_rules


def settle_other_leads(cr, lead_ids):
    """Committed: the leads the database holds besides ``lead_ids`` (demo
    data) owe the job nothing now (as if it had just run), so that a job
    run by the test takes the test's leads only; a later change of rules
    (the clean-up restoring them) makes them owed again."""
    cr.execute("""
        UPDATE crm_lead lead
           SET date_scored = COALESCE(lead.date_scored, now() AT TIME ZONE 'UTC'),
               score_rules_version = company.score_rules_version
          FROM res_company company
         WHERE company.id = COALESCE(lead.company_id, %s) AND lead.id NOT IN %s
    """, [api.Environment(cr, SUPERUSER_ID, {}).company.id, tuple(lead_ids)])


def restore_fixture(env, ids, saved):
    """The common end of a clean-up: the test's users removed (archived when
    messages refer to them), the rules it archived back, the company's
    sales-ready score and the routing setting as they were."""
    users = env["res.users"].browse(ids["users"])
    try:
        with env.cr.savepoint():
            users.unlink()
    except Exception:  # noqa: BLE001 - referenced by messages: archive them
        users.active = False
    restore_alignment_rules(env, ids["archived"])
    env.company.mql_threshold = saved["mql_threshold"]
    env["ir.config_parameter"].set_param(ROUTING_PARAM, saved["routing"])


@tagged("post_install", "-at_install")
class TestRoutingConcurrency(TransactionCase):

    def setUp(self):
        super().setUp()
        self.tag = "sma_conc_%s" % id(self)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # Whatever the database holds (demo data), only this test's rule routes.
            archived = archive_alignment_rules(env)
            group = env.ref("sales_team.group_sale_salesman")
            users = env["res.users"].create([{
                "name": "Conc %s" % name, "login": "%s_%s" % (self.tag, name),
                "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
            } for name in ("a", "b")])
            team = env["crm.team"].create({"name": self.tag, "member_ids": [(6, 0, users.ids)]})
            self.saved = {"mql_threshold": env.company.mql_threshold,
                          "routing": env["ir.config_parameter"].get_param(ROUTING_PARAM, "True")}
            env.company.mql_threshold = 0
            env["ir.config_parameter"].set_param(ROUTING_PARAM, "True")
            # Leads first, then the rule: they wait unrouted until routed below.
            leads = env["crm.lead"].create([{
                "name": "%s %s" % (self.tag, i), "type": "lead", "user_id": False, "team_id": False,
            } for i in range(12)])
            rule = env["crm.routing.rule"].create({"name": self.tag, "target": "team", "team_id": team.id})
            self.ids = {"users": users.ids, "team": team.id, "leads": leads.ids, "rule": rule.id,
                        "members": team.crm_team_member_ids.ids, "archived": archived}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).search([("name", "=like", self.tag + "%")]).unlink()
            env["crm.routing.rule"].browse(self.ids["rule"]).unlink()
            env["crm.team"].browse(self.ids["team"]).unlink()
            restore_fixture(env, self.ids, self.saved)
        self.registry.clear_cache()

    def _env(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        # A worker that would wait for a lock fails fast instead: the test
        # then sees it, instead of hanging.
        cr.execute("SET LOCAL lock_timeout = '5s'")
        return env

    def _read(self, fields, ids=None):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].browse(ids) if ids else env["crm.lead"].search(
                [("name", "=like", self.tag + "%")], order="id")
            return leads.read(fields)

    def test_same_leads_are_routed_once(self):
        lead_ids = self.ids["leads"]
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            done1 = env1["crm.lead"].browse(lead_ids[:8])._pipeline_run()
            # A second worker starts on the same leads before the first
            # commits: it skips the leads the first one holds, without waiting.
            done2 = env2["crm.lead"].browse(lead_ids[:8])._pipeline_run()
            self.assertEqual(len(done1), 8)
            self.assertFalse(done2)
            cr1.commit()
            cr2.rollback()
            # Once the first committed, a worker routing all 12 decides the 4
            # others and leaves the 8 routed ones alone.
            env2 = self._env(cr2)
            done3 = env2["crm.lead"].browse(lead_ids)._pipeline_run()
            self.assertEqual(len(done3), 12)
            cr2.commit()
        rows = self._read(["user_id", "routing_log_ids", "routing_state"], lead_ids)
        self.assertEqual([len(row["routing_log_ids"]) for row in rows], [1] * 12, "one decision per lead")
        self.assertEqual({row["routing_state"] for row in rows}, {"assigned"})
        per_user = {}
        for row in rows:
            per_user[row["user_id"][0]] = per_user.get(row["user_id"][0], 0) + 1
        self.assertEqual(sorted(per_user.values()), [6, 6], "round-robin across both workers")

    def _use_capacity(self, first_max=3):
        """The rule distributes by capacity; only the first member takes leads."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.routing.rule"].browse(self.ids["rule"]).distribution = "capacity"
            members = env["crm.team.member"].browse(self.ids["members"])
            members[0].assignment_max = first_max
            members[1].assignment_optout = True

    def test_inbound_lead_never_waits_for_a_routing_in_progress(self):
        """While one worker's batch routes the team (not committed yet),
        another transaction creates leads: their creates commit at once,
        without waiting or failing, and capacity holds: the leads the first
        worker gave the member are reserved on it, so the inbound ones
        wait in the team instead of overfilling the member."""
        self._use_capacity()
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            env1["crm.lead"].browse(self.ids["leads"][:4])._pipeline_run()  # 3 fill the member, 1 waits
            # The second transaction creates 4 leads as a web form or the API
            # would, and commits (the pipeline runs at commit) while the
            # first worker's batch is still open.
            inbound = env2["crm.lead"].create([{"name": "%s inbound %s" % (self.tag, i), "type": "lead",
                                               "user_id": False} for i in range(4)])
            inbound_ids = inbound.ids
            cr2.commit()
            cr1.commit()
        rows = self._read(["routing_state", "user_id"], inbound_ids)
        self.assertEqual([(row["routing_state"], row["user_id"]) for row in rows], [("team", False)] * 4,
                         "created, routed at once, and waiting for room in the team")
        with self.registry.cursor() as cr:
            self._env(cr)["crm.scoring.rule"]._cron_score_leads()
        rows = self._read(["user_id", "routing_state"])
        self.assertEqual(len(rows), 16, "every lead exists once")
        self.assertEqual(len([row for row in rows if row["user_id"]]), 3, "the member's capacity of 3 holds")
        self.assertEqual([row["routing_state"] for row in rows[:4] + rows[12:]].count("team"), 5)

    def test_inbound_lead_is_queued_while_the_team_is_held(self):
        """A transaction holds the team's member rows (a routing in
        progress): a save routing to the team neither waits nor fails, its
        leads are left to the routing job (queued); the job then routes them
        without scoring them again (their score is current), and capacity
        holds."""
        self._use_capacity()
        with self.registry.cursor() as cr:
            # The leads of setUp (and of demo data) owe the job nothing: only
            # the inbound ones run.
            settle_other_leads(cr, [0])
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            cr1.execute("SELECT id FROM crm_team_member WHERE id IN %s FOR UPDATE", [tuple(self.ids["members"])])
            # lock_timeout is 5 s: a save that waited would fail the test.
            inbound = env2["crm.lead"].create([{"name": "%s inbound %s" % (self.tag, i), "type": "lead",
                                               "user_id": False} for i in range(4)])
            inbound_ids = inbound.ids
            cr2.commit()
            cr1.rollback()
        rows = self._read(["routing_state", "user_id", "date_scored"], inbound_ids)
        self.assertEqual([(row["routing_state"], row["user_id"]) for row in rows], [("queued", False)] * 4)
        self.assertTrue(all(row["date_scored"] for row in rows), "scored at save")
        # Scored an hour ago, under the current version: the job owes them
        # their routing only.
        with self.registry.cursor() as cr:
            cr.execute("UPDATE crm_lead SET date_scored = now() AT TIME ZONE 'UTC' - interval '1 hour' "
                       "WHERE id IN %s RETURNING date_scored", [tuple(inbound_ids)])
            stamped = {row[0] for row in cr.fetchall()}
        with self.registry.cursor() as cr:
            self.assertEqual(self._env(cr)["crm.scoring.rule"]._cron_score_leads(), 4, "the 4 queued leads")
        rows = self._read(["routing_state", "user_id", "date_scored", "routing_log_ids"], inbound_ids)
        self.assertEqual({row["date_scored"] for row in rows}, stamped, "routed, not scored again")
        self.assertEqual([row["routing_state"] for row in rows], ["assigned"] * 3 + ["team"])
        self.assertEqual({row["user_id"][0] for row in rows[:3]}, {self.ids["users"][0]})
        self.assertEqual([len(row["routing_log_ids"]) for row in rows], [1] * 4, "one decision per lead")

    def test_routing_in_a_transaction_holding_the_members_table(self):
        """A transaction holding the members' table (a module being installed
        or updated adds its columns, then creates leads) cannot share it with
        the routing's short transaction: the distribution runs in the
        transaction itself instead of waiting for it."""
        lead_ids = self.ids["leads"]
        with self.registry.cursor() as cr1:
            env1 = self._env(cr1)
            cr1.execute("LOCK TABLE crm_team_member IN ACCESS EXCLUSIVE MODE")
            env1["crm.lead"].browse(lead_ids)._pipeline_run()
            cr1.commit()
        rows = self._read(["routing_state", "user_id"], lead_ids)
        self.assertEqual({row["routing_state"] for row in rows}, {"assigned"})
        users = [row["user_id"][0] for row in rows]
        self.assertEqual(sorted(users.count(user) for user in set(users)), [6, 6])

    def test_routing_after_a_concurrent_commit_continues_the_turns(self):
        """A transaction that started before another one routed the team and
        committed distributes the team in a short transaction of its own,
        which sees the turns the other one left: no serialization failure,
        nothing queued, the turns continue."""
        lead_ids = self.ids["leads"]
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            env2["crm.lead"].browse(lead_ids[6:]).read(["name"])  # its snapshot starts here
            env1["crm.lead"].browse(lead_ids[:6])._pipeline_run()
            cr1.commit()
            env2["crm.lead"].browse(lead_ids[6:])._pipeline_run()
            cr2.commit()
        rows = self._read(["routing_state", "user_id"], lead_ids)
        self.assertEqual({row["routing_state"] for row in rows}, {"assigned"})
        users = [row["user_id"][0] for row in rows]
        self.assertEqual(users[:6], users[6:], "the second routing takes the turns where the first left them")
        self.assertEqual(sorted(users.count(user) for user in set(users)), [6, 6])


@tagged("post_install", "-at_install")
class TestRoutingWorkers(TransactionCase):
    """Two workers run the scoring job at the same time (two real
    transactions, neither committed until both have routed), each batch
    with leads for a round-robin team and for a capacity team."""

    def setUp(self):
        super().setUp()
        self.tag = "sma_rworkers_%s" % id(self)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            archived = archive_alignment_rules(env)
            group = env.ref("sales_team.group_sale_salesman")
            users = env["res.users"].create([{
                "name": "Workers %s" % name, "login": "%s_%s" % (self.tag, name),
                "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
            } for name in ("a", "b", "c", "d")])
            round_robin = env["crm.team"].create({"name": self.tag + " rr", "member_ids": [(6, 0, users[:2].ids)]})
            capacity = env["crm.team"].create({"name": self.tag + " cap", "member_ids": [(6, 0, users[2:].ids)]})
            capacity.crm_team_member_ids.assignment_max = 2
            self.saved = {"mql_threshold": env.company.mql_threshold,
                          "routing": env["ir.config_parameter"].get_param(ROUTING_PARAM, "True")}
            env.company.mql_threshold = 0
            env["ir.config_parameter"].set_param(ROUTING_PARAM, "True")
            # Leads first (nothing scores them yet), then the rules. Big and
            # small deals alternate: each worker's batch has both.
            leads = env["crm.lead"].create([{
                "name": "%s %02d" % (self.tag, i), "type": "lead", "user_id": False, "team_id": False,
                "expected_revenue": 20000 if i % 2 == 0 else 100,
            } for i in range(12)])
            scoring = env["crm.scoring.rule"].create({
                "name": self.tag, "dimension": "fit", "points": 30, "domain": "[('expected_revenue', '>=', 10000)]"})
            routing = env["crm.routing.rule"].create([{
                "name": self.tag + " big", "sequence": 1, "score_min": 30, "target": "team",
                "team_id": round_robin.id, "distribution": "round_robin",
            }, {
                "name": self.tag + " small", "sequence": 2, "target": "team", "team_id": capacity.id,
                "distribution": "capacity",
            }])
            self.ids = {"users": users.ids, "teams": [round_robin.id, capacity.id], "leads": leads.ids,
                        "scoring": scoring.id, "routing": routing.ids, "archived": archived,
                        "rr_members": round_robin.crm_team_member_ids.ids}
            env.flush_all()
            settle_other_leads(cr, leads.ids)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).browse(self.ids["leads"]).unlink()
            env["crm.routing.rule"].browse(self.ids["routing"]).unlink()
            env["crm.scoring.rule"].browse(self.ids["scoring"]).unlink()
            env["crm.team"].browse(self.ids["teams"]).unlink()
            restore_fixture(env, self.ids, self.saved)
        self.registry.clear_cache()

    def _job(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SET LOCAL lock_timeout = '5s'")  # fail fast instead of hanging
        log_before = env["crm.lead.routing.log"].search([], order="id desc", limit=1).id or 0
        count = env["crm.scoring.rule"]._cron_score_leads(batch_size=6)
        logs = env["crm.lead.routing.log"].search([("id", ">", log_before), ("lead_id", "in", self.ids["leads"])])
        return count, logs.lead_id.ids

    def test_two_workers_route_to_the_same_teams(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            count1, routed1 = self._job(cr1)
            # The second worker runs while the first has not committed: it
            # claims the other chunk and routes to the same two teams.
            count2, routed2 = self._job(cr2)
            cr1.commit()
            cr2.commit()
        self.assertEqual((count1, count2), (6, 6))
        self.assertEqual(sorted(routed1 + routed2), sorted(self.ids["leads"]), "every lead routed exactly once")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].browse(self.ids["leads"])
            self.assertEqual(leads.mapped("score"), [30, 0] * 6)
            self.assertEqual(len(leads.score_line_ids), 6, "one explanation line per big deal")
            self.assertEqual([len(lead.routing_log_ids) for lead in leads], [1] * 12)
            big, small = leads[0::2], leads[1::2]
            users = env["res.users"].browse(self.ids["users"])
            # Round-robin: a, b, a (first worker), then b, a, b (the second
            # continues the turns the first committed at once).
            self.assertEqual([lead.user_id for lead in big], [users[0], users[1]] * 3, "turns alternate")
            self.assertEqual(sorted(env["crm.team.member"].browse(self.ids["rr_members"]).mapped("routing_turn")),
                             [5, 6])
            # Capacity 2 each: the first worker gives 2 to one member and 1 to
            # the other; the second counts those (reserved, not committed
            # yet) and gives the last free place; 2 leads wait in the team.
            per_user = {user: len(small.filtered(lambda lead, u=user: lead.user_id == u)) for user in users[2:]}
            self.assertEqual(sorted(per_user.values()), [2, 2], "capacity held")
            self.assertEqual(sorted(small.mapped("routing_state")), ["assigned"] * 4 + ["team"] * 2)
        # Nothing is owed any more: no lead runs twice.
        with self.registry.cursor() as cr:
            self.assertEqual(self._job(cr), (0, []))
