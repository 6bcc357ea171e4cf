# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One straight path for a lead: the pipeline after a save, ownership rules
a user can predict, no back doors, fair turns."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..tools.constants import ROUTING_PARAM
from .test_scoring import ScoringCommon

FORM_SPEC = {"name": {}, "user_id": {"fields": {"display_name": {}}}, "routing_notice": {}, "score": {},
             "lifecycle_stage": {}}


class PipelineCommon(ScoringCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.mql_threshold = 0  # routing and ownership; the hand-off is tested elsewhere
        cls.rule_team = cls.env["crm.routing.rule"].create({
            "name": "Score 30+ to the team", "target": "team", "team_id": cls.team.id, "score_min": 30})


@tagged("post_install", "-at_install")
class TestPipeline(PipelineCommon):

    def test_rep_form_save_routed_to_colleague_succeeds(self):
        """Defect 1: a rep's form save never fails because routing sent the
        lead to someone the rep may not see; the form says where it went."""
        Lead = self.env["crm.lead"].with_user(self.user_rep)
        results = [Lead.web_save({"name": "Form %s" % i, "type": "lead", "user_id": False,
                                  "expected_revenue": 20000}, FORM_SPEC) for i in range(4)]
        leads = self.env["crm.lead"].browse([result[0]["id"] for result in results])
        self.assertEqual(len(leads.exists()), 4, "every save kept what the rep typed")
        self.assertEqual(leads.mapped("name"), ["Form 0", "Form 1", "Form 2", "Form 3"])
        self.assertEqual([lead.user_id for lead in leads],
                         [self.user_rep, self.user_rep_other, self.user_rep, self.user_rep_other])
        for result, lead in zip(results, leads):
            row = result[0]
            if lead.user_id == self.user_rep:
                # Still theirs: the form shows the fresh score and owner.
                self.assertEqual((row["score"], row["user_id"]["id"], row["routing_notice"]),
                                 (30, self.user_rep.id, False))
            else:
                self.assertEqual(row["name"], lead.name)
                self.assertIn("Omar Other", row["routing_notice"])
                self.assertIn("You can no longer open it", row["routing_notice"])

    def test_pipeline_runs_once_per_transaction(self):
        lead = self._lead()
        logs = lead.routing_log_ids
        lead.write({"expected_revenue": 20000})
        lead.write({"buying_role": "decision_maker"})
        self.assertEqual(lead.score, 0, "not before the end of the transaction")
        self.flush_pipeline()
        self.assertEqual(lead.score, 45)
        self.assertEqual(len(lead.routing_log_ids - logs), 1, "one decision for both writes")
        self.flush_pipeline()
        self.assertEqual(len(lead.routing_log_ids - logs), 1, "nothing left to run")

    def test_no_context_key_grants_a_right(self):
        """Defect 2: no context key lets a rep move a lifecycle, set a score
        or a routing decision, or forge the reason of a history row."""
        lead = self._lead(user_id=self.user_rep.id)
        as_rep = lead.with_user(self.user_rep)
        for key in ("sma_lifecycle_ok", "sma_lifecycle_initial", "sma_routing"):
            with self.subTest(key=key), self.assertRaises(UserError):
                as_rep.with_context(**{key: True}).write({"lifecycle_stage": "customer"})
            with self.subTest(key=key), self.assertRaises(UserError):
                self.env["crm.lead"].with_user(self.user_rep).with_context(**{key: True}).create(
                    {"name": "Forged", "lifecycle_stage": "customer", "user_id": self.user_rep.id})
        for vals in ({"score": 99}, {"grade": "a"}, {"routing_state": "assigned"}, {"date_accepted": fields.Datetime.now()},
                     {"routing_rule_id": self.rule_team.id}, {"date_first_touch": fields.Datetime.now()}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_rep.write(vals)
        self.assertEqual((lead.lifecycle_stage, lead.score), ("lead", 0))
        self.assertEqual(len(lead.lifecycle_history_ids), 1, "no history row forged")
        # The reason on a history row is the one the rep chose, whatever the context says.
        handed = self._lead(user_id=self.user_rep.id)
        handed.with_user(self.user_marketing).action_handoff_to_sales()
        forged = self.env.ref("sales_marketing_alignment.lost_reason_price_too_high")
        reason = self.env.ref("sales_marketing_alignment.lost_reason_timeframe_delayed")
        handed.with_user(self.user_rep).with_context(sma_lifecycle_reason_id=forged.id).action_reject_handoff(
            reason.id)
        self.assertEqual(handed.lifecycle_history_ids.sorted("id")[-1].reason_id, reason)

    def test_who_assigned_by_hand(self):
        """Defect 3: only a person's choice of salesperson counts as "by hand"."""
        Lead = self.env["crm.lead"]
        mine = Lead.with_user(self.user_rep).create({"name": "Mine", "type": "lead"})  # default: the creator
        chosen = Lead.with_user(self.user_sales_manager).create(
            {"name": "Chosen", "type": "lead", "user_id": self.user_rep_other.id})
        system = Lead.create({"name": "Web form", "type": "lead", "user_id": self.user_rep.id})
        unassigned = Lead.with_user(self.user_rep).create({"name": "Nobody", "type": "lead", "user_id": False})
        self.assertEqual([mine.assignment_manual, chosen.assignment_manual, system.assignment_manual,
                          unassigned.assignment_manual], [True, True, False, False])
        # Writes of the system (sudo: jobs, Odoo's assignment, SLA reassignment) are no choice.
        system.sudo().write({"user_id": self.user_rep_other.id})
        self.assertFalse(system.assignment_manual)
        # A person changing the salesperson chose them; writing the same one is no change.
        system.with_user(self.user_sales_manager).write({"user_id": self.user_rep_other.id})
        self.assertFalse(system.assignment_manual)
        system.with_user(self.user_sales_manager).write({"user_id": self.user_rep.id})
        self.assertTrue(system.assignment_manual)
        # Odoo's conversion keeping the salesperson is no choice either.
        converted = Lead.create({"name": "To convert", "type": "lead", "user_id": self.user_rep.id})
        converted.with_user(self.user_rep).convert_opportunity(self.env["res.partner"], user_ids=self.user_rep.ids)
        self.assertFalse(converted.assignment_manual)
        # Merging keeps "by hand" only if a merged lead was.
        first = Lead.create({"name": "Dup", "type": "lead", "email_from": "dup@example.com"})
        second = Lead.create({"name": "Dup", "type": "lead", "email_from": "dup@example.com",
                              "user_id": self.user_rep.id})
        merged = (first | second).with_user(self.user_sales_manager).merge_opportunity(auto_unlink=False)
        self.assertFalse(merged.assignment_manual)
        # Letting routing decide again is an explicit action on the form.
        self.flush_pipeline()
        chosen.write({"expected_revenue": 20000})
        self.flush_pipeline()
        self.assertEqual((chosen.user_id, chosen.routing_state), (self.user_rep_other, "kept"))
        chosen.with_user(self.user_sales_manager).action_release_to_routing()
        self.flush_pipeline()
        self.assertFalse(chosen.assignment_manual)
        self.assertEqual(chosen.routing_state, "assigned")
        self.assertNotIn("assigned by hand", chosen.routing_log_ids.sorted("id")[-1].reason)

    def test_routing_and_odoo_assignment_never_both(self):
        """Defect 3: the addon's routing or Odoo's rule-based assignment, chosen in Settings."""
        params = self.env["ir.config_parameter"]
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.alignment_routing)
        self.assertFalse(settings.crm_use_auto_assignment)
        with self.assertRaisesRegex(UserError, "alignment routing rules"):
            self.team.action_assign_leads()
        lead = self.env["crm.lead"].create({"name": "Unassigned", "type": "lead", "user_id": False,
                                            "team_id": self.team.id})
        self.env["crm.team"]._cron_assign_leads()
        self.assertFalse(lead.user_id, "Odoo's assignment job does nothing while routing is on")
        # Choosing Odoo's assignment switches the routing off, and routing stops.
        form = Form(self.env["res.config.settings"])
        form.crm_use_auto_assignment = True
        self.assertFalse(form.alignment_routing)
        form.save().execute()
        self.assertEqual(params.get_param(ROUTING_PARAM), "False")
        self.assertTrue(params.get_param("crm.lead.auto.assignment"))
        routed_before = self._lead(expected_revenue=20000)
        self.assertFalse(routed_before.routing_state, "no routing while Odoo's assignment is chosen")
        # And back.
        form = Form(self.env["res.config.settings"])
        form.alignment_routing = True
        self.assertFalse(form.crm_use_auto_assignment)
        form.save().execute()
        self.assertEqual(params.get_param(ROUTING_PARAM), "True")
        self.assertFalse(params.get_param("crm.lead.auto.assignment"))
        routed = self._lead(expected_revenue=20000)
        self.assertEqual(routed.routing_state, "assigned")

    def test_round_robin_one_lead_at_a_time(self):
        """Defect 4: leads arriving one by one, in the same second or not, take turns."""
        for frozen in (True, False):
            with self.subTest(same_second=frozen):
                users = []
                for i in range(6):
                    with freeze_time(fields.Datetime.now() if frozen else fields.Datetime.now() + timedelta(
                            seconds=i)):
                        users.append(self._lead(name="One by one %s" % i, expected_revenue=20000).user_id)
                self.assertEqual(users[0::2], [users[0]] * 3)
                self.assertEqual(users[1::2], [users[1]] * 3)
                self.assertEqual(set(users), {self.user_rep, self.user_rep_other})
        self.assertEqual(sorted(self.team.crm_team_member_ids.mapped("routing_turn")), [11, 12])

    def test_sla_change_leaves_closed_leads_alone(self):
        """Also seen: editing a team's SLA replans open leads only."""
        now = fields.Datetime.now()
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        leads = self.env["crm.lead"].create([{"name": name, "type": "opportunity", "team_id": self.team.id,
                                              "user_id": self.user_rep.id} for name in ("Open", "Won", "Lost")])
        leads.write({"date_open": now})
        leads[1].write({"stage_id": won_stage.id, "probability": 100})
        leads[2].action_set_lost()
        before = leads.mapped("sla_first_touch_deadline")
        self.team.sla_first_touch_hours = 40
        leads.invalidate_recordset()
        after = leads.with_context(active_test=False).mapped("sla_first_touch_deadline")
        self.assertGreater(after[0], before[0])
        self.assertEqual(after[1:], before[1:], "won and lost leads keep the deadline of their time")
