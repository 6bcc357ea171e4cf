# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import reset_alignment_configuration


@tagged("post_install", "-at_install", "sma_tour")
class TestScoringRoutingTour(HttpCase):
    def test_scoring_routing_tour(self):
        """A manager creates a scoring rule and a routing rule in the UI; a lead
        created in the form is scored, explained, handed to sales and routed."""
        reset_alignment_configuration(self.env)
        admin = self.env.ref("base.user_admin")
        # The Leads menu and the lead form of CRM need leads enabled.
        admin.groups_id |= self.env.ref("crm.group_use_lead")
        rep = mail_new_test_user(
            self.env, login="tour_router_rep", name="Rita Router", email="rita.router@example.com",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        team = self.env["crm.team"].create({"name": "Tour Inside Sales", "member_ids": [(6, 0, rep.ids)]})
        company = self.env.company
        # Default cut-offs: sales-ready from 50; grade A from 80, B from 50, C from 20.
        self.assertEqual(
            (company.mql_threshold, company.score_grade_a, company.score_grade_b, company.score_grade_c),
            (50, 80, 50, 20),
        )

        self.start_tour(
            "/odoo/action-sales_marketing_alignment.crm_scoring_rule_action?debug=1",
            "sma_scoring_routing_tour", login="admin",
        )

        rule = self.env["crm.scoring.rule"].search([("name", "=", "Decision maker by tour")])
        self.assertEqual(
            (rule.dimension, rule.points, rule.half_life_days, rule.domain),
            ("fit", 60, 0, '[("buying_role", "=", "decision_maker")]'),
        )
        routing_rule = self.env["crm.routing.rule"].search([("name", "=", "Sales-ready to inside sales by tour")])
        self.assertEqual(
            (routing_rule.target, routing_rule.team_id, routing_rule.distribution, routing_rule.score_min),
            ("team", team, "round_robin", 50),
        )

        lead = self.env["crm.lead"].search([("name", "=", "Tour scored prospect")])
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.type, "lead")
        self.assertEqual(lead.buying_role, "decision_maker")
        self.assertEqual(
            (lead.fit_score, lead.engagement_score, lead.score, lead.grade),
            (60, 0, 60, "b"),
        )
        self.assertEqual(lead.score_line_ids.rule_id, rule)
        self.assertIn("Decision maker by tour: +60", lead.score_explanation)
        # 60 reaches the sales-ready score: handed to sales.
        self.assertEqual(lead.lifecycle_stage, "mql")
        self.assertTrue(lead.date_handoff)
        # No salesperson was chosen: routed.
        self.assertEqual(
            (lead.routing_state, lead.routing_rule_id, lead.team_id, lead.user_id, lead.assignment_manual),
            ("assigned", routing_rule, team, rep, False),
        )
        log = lead.routing_log_ids
        self.assertEqual(len(log), 1)
        self.assertEqual(
            (log.rule_id, log.outcome, log.score, log.user_id, log.previous_user_id),
            (routing_rule, "assigned", 60, rep, self.env["res.users"]),
        )
        self.assertIn("Rita Router", log.reason)


@tagged("post_install", "-at_install", "sma_tour")
class TestRoutingNoticeTour(HttpCase):
    def test_rep_save_routed_to_colleague(self):
        """A rep saves a lead with no salesperson that routing sends to a
        colleague: the save succeeds and the form says where it went."""
        reset_alignment_configuration(self.env)
        rep = mail_new_test_user(
            self.env, login="tour_notice_rep", name="Rita Saver", email="rita.saver@example.com",
            groups="base.group_user,sales_team.group_sale_salesman,crm.group_use_lead",
        )
        colleague = mail_new_test_user(
            self.env, login="tour_notice_colleague", name="Omar Colleague", email="omar.c@example.com",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        team = self.env["crm.team"].create({"name": "Tour Routing Team", "member_ids": [(6, 0, colleague.ids)]})
        self.env["crm.routing.rule"].create({"name": "All to the tour team", "target": "team", "team_id": team.id})

        self.start_tour("/odoo/action-crm.crm_lead_all_leads/new", "sma_routing_notice_tour", login="tour_notice_rep")

        lead = self.env["crm.lead"].search([("name", "=", "Routed away by tour")])
        self.assertEqual(len(lead), 1, "the rep's save was kept")
        self.assertEqual((lead.user_id, lead.team_id, lead.routing_state), (colleague, team, "assigned"))
        self.assertFalse(lead.assignment_manual)
        self.assertEqual(lead.create_uid, rep)
        self.assertFalse(lead.with_user(rep)._filtered_access("read"), "the rep can no longer read it")
