# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real database cursors route at the same time, as two workers, two
crons or two users would. Data is committed (other cursors must see it)
and removed afterwards; the configuration the test changes is restored."""

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..tools.constants import ROUTING_PARAM
from .common import archive_alignment_rules, restore_alignment_rules


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
            users = env["res.users"].browse(self.ids["users"])
            try:
                with cr.savepoint():
                    users.unlink()
            except Exception:  # noqa: BLE001 - referenced by messages: archive them
                users.active = False
            restore_alignment_rules(env, self.ids["archived"])
            env.company.mql_threshold = self.saved["mql_threshold"]
            env["ir.config_parameter"].set_param(ROUTING_PARAM, self.saved["routing"])
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

    def test_inbound_lead_never_waits_for_a_routing_in_progress(self):
        """While one worker routes the team (member rows locked), another
        creates leads: their creates commit at once, without waiting or
        failing; the routing job places them after, and capacity holds."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.routing.rule"].browse(self.ids["rule"]).distribution = "capacity"
            members = env["crm.team.member"].browse(self.ids["members"])
            members[0].assignment_max = 3
            members[1].assignment_optout = True
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            env1["crm.lead"].browse(self.ids["leads"][:4])._pipeline_run()  # 3 fill the member, 1 waits
            # The second worker creates 4 leads as a web form or the API would,
            # and commits (the pipeline runs at commit) while the first holds
            # the team.
            inbound = env2["crm.lead"].create([{"name": "%s inbound %s" % (self.tag, i), "type": "lead",
                                               "user_id": False} for i in range(4)])
            inbound_ids = inbound.ids
            cr2.commit()
            cr1.commit()
        rows = self._read(["routing_state", "user_id"], inbound_ids)
        self.assertEqual([row["routing_state"] for row in rows], ["queued"] * 4,
                         "created and waiting for the routing job, not failed")
        # The job the create triggered places them: the member is full.
        with self.registry.cursor() as cr:
            self._env(cr)["crm.scoring.rule"]._cron_score_leads()
        rows = self._read(["user_id", "routing_state"])
        self.assertEqual(len(rows), 16, "every lead exists once")
        self.assertEqual(len([row for row in rows if row["user_id"]]), 3, "the member's capacity of 3 holds")
        self.assertEqual([row["routing_state"] for row in rows[:4] + rows[12:]].count("team"), 5)

    def test_routing_after_a_concurrent_commit_defers_instead_of_failing(self):
        """A transaction that started before another one routed the team and
        committed cannot lock the members it saw (Odoo's repeatable read):
        its leads go to the routing job instead of failing the request."""
        lead_ids = self.ids["leads"]
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            env2["crm.lead"].browse(lead_ids[6:]).read(["name"])  # its snapshot starts here
            env1["crm.lead"].browse(lead_ids[:6])._pipeline_run()
            cr1.commit()
            env2["crm.lead"].browse(lead_ids[6:])._pipeline_run()
            cr2.commit()
        rows = self._read(["routing_state"], lead_ids)
        self.assertEqual([row["routing_state"] for row in rows], ["assigned"] * 6 + ["queued"] * 6)
        with self.registry.cursor() as cr:
            self._env(cr)["crm.scoring.rule"]._cron_score_leads()
        rows = self._read(["routing_state", "user_id"], lead_ids)
        self.assertEqual({row["routing_state"] for row in rows}, {"assigned"})
        per_user = {}
        for row in rows:
            per_user[row["user_id"][0]] = per_user.get(row["user_id"][0], 0) + 1
        self.assertEqual(sorted(per_user.values()), [6, 6], "the turns continue where the other left them")
