# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""As each role meets it: a lifecycle nothing can corrupt, a hand-off the
receiver sees, accountability numbers that mean what they say, each role
landing where its work is."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AlignmentCommon


@tagged("post_install", "-at_install")
class TestRoles(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Lead = cls.env["crm.lead"]
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.unreachable = cls.env.ref("sales_marketing_alignment.quick_action_unreachable")  # -> nurture
        cls.voicemail = cls.env.ref("sales_marketing_alignment.quick_action_left_voicemail")  # no move
        cls.handoff_type = cls.env.ref("sales_marketing_alignment.mail_activity_type_handoff")
        cls.breach_type = cls.env.ref("sales_marketing_alignment.mail_activity_type_sla_breach")
        cls.reason_nurture = cls.env.ref("sales_marketing_alignment.lost_reason_timeframe_delayed")

    def _lead(self, **vals):
        lead = self.Lead.create(dict({"name": "Prospect", "type": "lead", "team_id": self.team.id,
                                      "user_id": self.user_rep.id}, **vals))
        self.flush_pipeline()
        return lead

    def _activities(self, lead, activity_type):
        return self.env["mail.activity"].search([
            ("res_model", "=", "crm.lead"), ("res_id", "=", lead.id), ("activity_type_id", "=", activity_type.id)])

    # ------------------------------------------------------------
    # 1. A lifecycle nothing can corrupt
    # ------------------------------------------------------------

    def test_quick_action_never_moves_a_won_deal(self):
        won = self._lead(type="opportunity")
        won.action_set_won()
        self.assertEqual(won.lifecycle_stage, "customer")
        as_rep = won.with_user(self.user_rep)
        self.assertNotIn(self.unreachable, as_rep.quick_action_ids, "a move that does not apply is not offered")
        self.assertIn(self.voicemail, as_rep.quick_action_ids, "logging a call still is")
        with self.assertRaisesRegex(UserError, "does not apply"):
            self.unreachable.with_user(self.user_rep).action_apply(won.ids)
        self.assertEqual((won.lifecycle_stage, won.probability), ("customer", 100))
        self.assertNotIn(won, self.Lead.search([("lifecycle_stage", "=", "nurture")]))
        open_lead = self._lead()
        self.assertIn(self.unreachable, open_lead.with_user(self.user_rep).quick_action_ids)

    def test_declared_moves_are_enforced_on_every_path(self):
        won = self._lead(type="opportunity")
        won.action_set_won()
        for stage, cause in (("nurture", "feedback"), ("mql", "handoff"), ("mql", "score"), ("sal", "accept")):
            with self.subTest(cause=cause), self.assertRaises(UserError):
                won._set_lifecycle_stage(stage, cause)
        self.assertEqual(won.lifecycle_stage, "customer")
        # Automation skips a move it may not make instead of failing the save.
        self.assertFalse(won._set_lifecycle_stage("nurture", "routing", strict=False))
        # A feedback reason never returns a customer to nurture.
        with self.assertRaises(UserError):
            self.reason_nurture._apply_feedback_follow_up(won, force_nurture=True)
        # An alignment manager may still correct by hand, and it is logged.
        won.with_user(self.user_alignment_manager).write({"lifecycle_stage": "sql"})
        self.assertEqual(won.lifecycle_history_ids.sorted("id")[-1].to_stage, "sql")

    # ------------------------------------------------------------
    # 2. A hand-off the receiver sees
    # ------------------------------------------------------------

    def test_handoff_schedules_accept_or_reject_for_the_salesperson(self):
        lead = self._lead()
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        activity = self._activities(lead, self.handoff_type)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_rep)
        self.assertEqual(activity.date_deadline, lead.sla_feedback_deadline.date(), "due at the feedback SLA")
        # It shows in the rep's activity menu.
        groups = self.env["res.users"].with_user(self.user_rep)._get_activity_groups()
        self.assertTrue(any(group["model"] == "crm.lead" and group["planned_count"] + group["today_count"]
                            for group in groups))
        # Only who may answer sees Accept and Reject.
        self.assertTrue(lead.with_user(self.user_rep).can_answer_handoff)
        self.assertTrue(lead.with_user(self.user_sales_manager).can_answer_handoff)
        self.assertFalse(lead.with_user(self.user_marketing).can_answer_handoff)
        lead.with_user(self.user_rep).action_accept_handoff()
        self.assertFalse(self._activities(lead, self.handoff_type), "answering closes the activity")
        self.assertFalse(lead.date_first_touch, "answering a hand-off is not a first touch")
        self.assertFalse(lead.with_user(self.user_rep).can_answer_handoff)

    def test_reject_closes_handoff_and_breach_todos(self):
        lead = self._lead()
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        self.env["crm.team"]._sla_escalate(lead)
        self.assertEqual(len(self._activities(lead, self.breach_type)), 1)
        self.assertEqual(self._activities(lead, self.breach_type).user_id, self.user_sales_manager)
        lead.with_user(self.user_rep).action_reject_handoff(self.reason_nurture.id)
        self.assertFalse(self._activities(lead, self.handoff_type) | self._activities(lead, self.breach_type))
        self.assertEqual(lead.lifecycle_stage, "nurture")

    def test_partner_routed_handoff_is_answered_by_the_channel_manager(self):
        channel_manager = mail_new_test_user(
            self.env, login="sma_channel", name="Chan Manager", groups="base.group_user,sales_team.group_sale_salesman")
        partner = self.env["res.partner"].create({"name": "Reseller", "is_company": True, "user_id": channel_manager.id})
        self.env["crm.routing.rule"].create({"name": "To the reseller", "target": "partner", "partner_id": partner.id})
        lead = self._lead(user_id=False)
        self.assertEqual((lead.partner_assigned_id, lead.user_id), (partner, self.env["res.users"]))
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        self.assertEqual(self._activities(lead, self.handoff_type).user_id, channel_manager)
        self.assertTrue(lead.with_user(channel_manager).can_answer_handoff)
        self.assertFalse(lead.with_user(self.user_rep_other).can_answer_handoff)
        lead.with_user(channel_manager).action_accept_handoff()
        self.assertEqual(lead.lifecycle_stage, "sal")

    def test_reps_find_handed_off_leads_from_their_home(self):
        lead = self._lead()
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        action = self.env["crm.team"].with_user(self.user_rep).action_your_pipeline()
        domain = safe_eval(action["domain"]) + [("lifecycle_stage", "=", "mql"), ("user_id", "=", self.user_rep.id)]
        self.assertIn(lead, self.Lead.with_user(self.user_rep).search(domain),
                      "the Waiting for acceptance filter finds it in My Pipeline")
        self.assertTrue(action["context"].get("search_default_assigned_to_me"))

    def test_reject_dialog_chooses_nothing_before_a_reason(self):
        lead = self._lead()
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        action = lead.with_user(self.user_rep).action_open_handoff_reject()
        wizard = Form(self.env[action["res_model"]].with_user(self.user_rep).with_context(**action["context"]))
        self.assertFalse(wizard.to_stage)
        wizard.reason_id = self.reason_nurture
        self.assertEqual(wizard.to_stage, "nurture")

    # ------------------------------------------------------------
    # 3. SLA numbers that mean what they say
    # ------------------------------------------------------------

    def test_teams_without_sla_stay_out_of_compliance(self):
        no_sla = self.env["crm.team"].create({"name": "No SLA", "use_sla": False,
                                              "member_ids": [(4, self.user_rep.id)]})
        lead = self._lead(team_id=no_sla.id)
        lead.date_open = fields.Datetime.now() - timedelta(days=10)
        self.assertEqual(lead.sla_status, "none")
        self.assertFalse(lead.sla_first_touch_deadline)
        Report = self.env["crm.sla.report"]
        self.assertFalse(Report.search([("lead_id", "=", lead.id)]), "left out of the totals, not 0 %")

    def test_untouched_lead_has_no_response_time(self):
        lead = self._lead()
        lead.date_open = fields.Datetime.now() - timedelta(hours=1)
        self.env.flush_all()
        row = self.env["crm.sla.report"].search([("lead_id", "=", lead.id)])
        self.assertEqual(len(row), 1)
        self.assertFalse(row.date_first_touch)
        self.env.cr.execute("SELECT response_hours FROM crm_sla_report WHERE lead_id = %s", [lead.id])
        self.assertIsNone(self.env.cr.fetchone()[0], "empty, not 0 hours")
        self.assertEqual(self.team.sla_response_count, 0)

    def test_first_run_does_not_escalate_the_past(self):
        past = self._lead()
        past.date_open = fields.Datetime.now() - timedelta(days=30)
        self.assertEqual(past.sla_status, "breached")
        self.team.sla_start_date = fields.Datetime.now() - timedelta(days=1)  # the SLA started yesterday
        recent = self._lead()
        recent.date_open = fields.Datetime.now() - timedelta(hours=20)
        self.assertEqual(recent.sla_status, "breached")
        self.env["crm.team"]._cron_sla_check()
        self.assertEqual((past.sla_escalation_count, recent.sla_escalation_count), (0, 1))
        self.assertFalse(self._activities(past, self.breach_type))
        # Switching an SLA on starts it now.
        no_sla = self.env["crm.team"].create({"name": "Later", "use_sla": False})
        no_sla.sla_start_date = fields.Datetime.now() - timedelta(days=365)
        no_sla.use_sla = True
        self.assertGreater(no_sla.sla_start_date, fields.Datetime.now() - timedelta(minutes=1))

    def test_escalation_text_in_the_leaders_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.user_sales_manager.lang = "fr_FR"
        lead = self._lead()
        lead.date_open = fields.Datetime.now() - timedelta(hours=30)
        with self.assertNoLogs("odoo.tools.translate", level="WARNING"):
            self.env["crm.team"].with_context(lang=None)._sla_escalate(lead)
        self.assertEqual(len(self._activities(lead, self.breach_type)), 1)

    def test_demo_dates_are_not_in_the_future(self):
        future = self.Lead.with_context(active_test=False).search_count([
            "|", ("date_open", ">", fields.Datetime.now()), ("date_conversion", ">", fields.Datetime.now())])
        self.assertEqual(future, 0)

    # ------------------------------------------------------------
    # 4. Quiet, explained automation
    # ------------------------------------------------------------

    def test_rule_change_reroutes_only_what_changes_with_one_summary(self):
        Scoring, Routing = self.env["crm.scoring.rule"], self.env["crm.routing.rule"]
        Scoring.create({"name": "Big deal", "dimension": "fit", "points": 30,
                        "domain": "[('expected_revenue', '>=', 10000)]"})
        self.company.mql_threshold = 0
        Routing.create({"name": "All to the team", "target": "team", "team_id": self.team.id, "sequence": 20})
        leads = self.Lead.create([{"name": "Routed %s" % i, "type": "lead", "user_id": False,
                                   "expected_revenue": 20000 if i < 4 else 0} for i in range(6)])
        self.flush_pipeline()
        owners = leads.mapped("user_id")
        logs = leads.routing_log_ids
        self.assertEqual(len(logs), 6)
        # A new rule in front sends the big deals to the same team: nothing moves, nothing is logged.
        same = Routing.create({"name": "Big deals to the team", "target": "team", "team_id": self.team.id,
                               "sequence": 10, "score_min": 30})
        # And the small ones now go to marketing.
        Routing.create({"name": "Small to nurture", "target": "nurture", "sequence": 15, "score_max": 29})
        self.run_pipeline_job()
        self.assertEqual(leads[:4].mapped("routing_rule_id"), same, "the rule is noted on the lead")
        self.assertEqual(leads.mapped("user_id")[:1] | owners, owners)
        self.assertEqual(len(leads.routing_log_ids - logs), 2, "only the two leads that really moved")
        self.assertFalse((leads.routing_log_ids - logs).filtered(lambda log: "by hand" in log.reason))
        # One line on each changed rule says what the change did.
        notes = same.message_ids.filtered(lambda m: "Rule changes applied" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("6 leads rescored, 2 re-routed", notes.body)
        self.assertFalse(leads.message_ids.filtered(lambda m: "assigned by hand" in (m.body or "")))

    # ------------------------------------------------------------
    # 5. Each role lands where its work is
    # ------------------------------------------------------------

    def test_each_role_lands_where_its_work_is(self):
        Team = self.env["crm.team"]
        marketing_home = Team.with_user(self.user_marketing).action_your_pipeline()
        self.assertEqual(marketing_home["xml_id"], "sales_marketing_alignment.crm_lead_action_nurture")
        manager_home = Team.with_user(self.user_alignment_manager).action_your_pipeline()
        self.assertFalse(manager_home["context"].get("search_default_assigned_to_me"),
                         "a manager outside any team sees every team's pipeline")
        leader_home = Team.with_user(self.user_sales_manager).action_your_pipeline()
        self.assertTrue(leader_home["context"].get("search_default_assigned_to_me"), "the team leader's own")
        rep_home = Team.with_user(self.user_rep).action_your_pipeline()
        self.assertIn("lifecycle_stage", rep_home["domain"])

    def test_cards_show_a_configurable_number_of_buttons(self):
        lead = self._lead()
        self.assertEqual(lead.quick_action_inline_count, 1)
        settings = self.env["res.config.settings"].create({"quick_action_inline_count": 2})
        settings.execute()
        lead.invalidate_recordset()
        self.assertEqual(lead.quick_action_inline_count, 2)
        with self.assertRaises(UserError):
            self.company.quick_action_inline_count = 5
