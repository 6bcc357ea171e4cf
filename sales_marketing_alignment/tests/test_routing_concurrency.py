# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real database cursors route at the same time, as two workers, two
crons or two users would. Data is committed (other cursors must see it)
and removed afterwards."""

import threading
import time

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestRoutingConcurrency(TransactionCase):

    def setUp(self):
        super().setUp()
        self.uid_tag = "sma_conc_%s" % id(self)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            group = env.ref("sales_team.group_sale_salesman")
            users = env["res.users"].create([{
                "name": "Conc %s" % name, "login": "%s_%s" % (self.uid_tag, name),
                "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
            } for name in ("a", "b")])
            team = env["crm.team"].create({"name": self.uid_tag, "member_ids": [(6, 0, users.ids)]})
            env.company.mql_threshold = 0
            # Leads first, then the rule: they wait unrouted until routed below.
            leads = env["crm.lead"].create([{
                "name": "%s %s" % (self.uid_tag, i), "type": "lead", "user_id": False, "team_id": False,
            } for i in range(12)])
            rule = env["crm.routing.rule"].create({"name": self.uid_tag, "target": "team", "team_id": team.id})
            self.ids = {"users": users.ids, "team": team.id, "leads": leads.ids, "rule": rule.id,
                        "members": team.crm_team_member_ids.ids}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].with_context(active_test=False).browse(self.ids["leads"]).unlink()
            env["crm.routing.rule"].browse(self.ids["rule"]).unlink()
            env["crm.team"].browse(self.ids["team"]).unlink()
            users = env["res.users"].browse(self.ids["users"])
            try:
                with cr.savepoint():
                    users.unlink()
            except Exception:  # noqa: BLE001 - referenced by messages: archive them
                users.active = False
            env.company.mql_threshold = 50
        self.registry.clear_cache()

    def _read(self, fields):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env["crm.lead"].browse(self.ids["leads"]).read(fields)

    def test_same_leads_are_routed_once(self):
        lead_ids = self.ids["leads"]
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            done1 = env1["crm.lead"].browse(lead_ids[:8])._score_and_route()
            # A second worker starts on the same leads before the first
            # commits: it skips the leads the first one holds, without waiting.
            done2 = env2["crm.lead"].browse(lead_ids[:8])._score_and_route()
            self.assertEqual(len(done1), 8)
            self.assertFalse(done2)
            cr1.commit()
            cr2.rollback()
            # Once the first committed, a worker routing all 12 decides the 4
            # others and leaves the 8 routed ones alone.
            env2.invalidate_all()
            done3 = env2["crm.lead"].browse(lead_ids)._score_and_route()
            self.assertEqual(len(done3), 12)
            cr2.commit()
        rows = self._read(["user_id", "routing_log_ids", "routing_state"])
        self.assertEqual([len(row["routing_log_ids"]) for row in rows], [1] * 12, "one decision per lead")
        self.assertEqual({row["routing_state"] for row in rows}, {"assigned"})
        per_user = {}
        for row in rows:
            per_user[row["user_id"][0]] = per_user.get(row["user_id"][0], 0) + 1
        self.assertEqual(sorted(per_user.values()), [6, 6], "round-robin across both workers")

    @mute_logger("odoo.sql_db")
    def test_capacity_is_never_exceeded(self):
        lead_ids = self.ids["leads"]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.routing.rule"].browse(self.ids["rule"]).distribution = "capacity"
            members = env["crm.team.member"].browse(self.ids["members"])
            members[0].assignment_max = 3
            members[1].assignment_optout = True
        errors, attempts = [], []
        # The second worker's environment is made here: making one takes the
        # registry lock, which this (the test) thread holds.
        cr2 = self.registry.cursor()
        env2 = api.Environment(cr2, SUPERUSER_ID, {})

        def second_worker():
            # What Odoo does for a request or a cron that hits a concurrency
            # error (odoo.service.model.retrying): roll back, start over.
            try:
                for _try in range(5):
                    try:
                        env2["crm.lead"].browse(lead_ids[4:8])._score_and_route()
                        cr2.commit()
                        attempts.append("committed")
                        return
                    except psycopg2.errors.SerializationFailure:
                        attempts.append("serialization failure")
                        cr2.rollback()
                        env2.clear()
            except Exception as error:  # noqa: BLE001 - reported by the main thread
                errors.append(error)
            finally:
                cr2.close()

        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env1["crm.lead"].browse(lead_ids[:4])._score_and_route()  # 3 fill the member, 1 waits
            worker = threading.Thread(target=second_worker)
            worker.start()
            # Let the second worker reach the member's row lock, then commit.
            self._wait_for_lock_waiter(worker, errors)
            cr1.commit()
        worker.join(timeout=60)
        self.assertFalse(worker.is_alive())
        self.assertFalse(errors, errors)
        self.assertEqual(attempts, ["serialization failure", "committed"],
                         "the second worker saw the first one's assignments only after a retry")
        rows = self._read(["user_id", "routing_state"])
        assigned = [row for row in rows[:8] if row["user_id"]]
        self.assertEqual(len(assigned), 3, "the member's capacity of 3 holds across both workers")
        self.assertEqual([row["routing_state"] for row in rows[:8]].count("team"), 5)

    def _wait_for_lock_waiter(self, worker, errors, timeout=20):
        """Until a backend of this database waits on a row lock (the second
        worker), so that the commit really happens while it waits."""
        deadline = time.time() + timeout
        with self.registry.cursor() as cr:
            while time.time() < deadline:
                self.assertTrue(worker.is_alive(), "the second worker ended without waiting: %s" % errors)
                cr.execute("""SELECT count(*) FROM pg_stat_activity
                               WHERE datname = current_database() AND wait_event_type = 'Lock'""")
                if cr.fetchone()[0]:
                    return
                cr.rollback()
                time.sleep(0.05)
        self.fail("the second worker never waited for the member's lock")
