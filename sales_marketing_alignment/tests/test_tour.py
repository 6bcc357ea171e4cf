# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import reset_alignment_configuration


@tagged("post_install", "-at_install", "sma_tour")
class TestLeadDefinitionTour(HttpCase):
    def test_lead_definition_tour(self):
        """An admin adds a must-have in the domain editor; a lead missing it shows as
        Inquiry; filling the field in the form makes it a Lead."""
        reset_alignment_configuration(self.env)
        lead = self.env["crm.lead"].create({"name": "Tour prospect", "type": "lead"})
        self.assertEqual(lead.lifecycle_stage, "lead")

        self.start_tour("/odoo", "sma_lead_definition_add_criterion", login="admin")
        criterion = self.env["crm.lead.definition.criterion"].search([("name", "=", "Budget identified by tour")])
        self.assertEqual((criterion.requirement, criterion.domain),
                         ("must", '[("budget_status", "in", ["formal", "informal"])]'))
        # The definition changed: the pipeline job re-evaluates open leads.
        self.env["crm.scoring.rule"]._cron_score_leads()
        lead.invalidate_recordset()
        self.assertEqual(lead.lifecycle_stage, "inquiry")

        self.start_tour(
            f"/odoo/action-sales_marketing_alignment.crm_lead_action_lifecycle/{lead.id}",
            "sma_lead_definition_qualify_lead", login="admin",
        )
        lead.invalidate_recordset()
        self.assertEqual((lead.budget_status, lead.lifecycle_stage), ("formal", "lead"))
        self.assertEqual(
            [(h.from_stage, h.to_stage) for h in lead.lifecycle_history_ids.sorted("id")],
            [(False, "lead"), ("lead", "inquiry"), ("inquiry", "lead")],
        )


@tagged("post_install", "-at_install", "sma_tour")
class TestQuickActionTour(HttpCase):
    def test_quick_action_tour(self):
        """A rep creates a personal quick action and clicks it on a kanban card."""
        rep = mail_new_test_user(
            self.env, login="tour_rep", password="tour_rep_pwd", name="Tina Tour",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        reset_alignment_configuration(self.env)
        self.env.company.resource_calendar_id = self.env.ref("resource.resource_calendar_std")
        self.env.company.quick_action_inline_count = 0  # every quick action in the card's menu
        lead = self.env["crm.lead"].create({
            "name": "Quick tour prospect", "type": "opportunity", "user_id": rep.id,
        })
        self.start_tour("/odoo", "sma_quick_action_tour", login="tour_rep")
        self.start_tour("/odoo", "sma_quick_action_click_tour", login="tour_rep")
        action = self.env["crm.quick.action"].search([("name", "=", "Voicemail, retry Monday")])
        self.assertEqual((action.user_id, action.next_delay, action.next_delay_unit), (rep, 2, "working_days"))
        self.assertEqual(action.usage_count, 1)
        planned = self.env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        self.assertEqual(len(planned), 1)
        self.assertEqual((planned.activity_type_id, planned.user_id), (self.env.ref("mail.mail_activity_data_call"), rep))
        # Two working days of a Monday-Friday week after today, counted by hand.
        expected, working_days = fields.Date.context_today(lead), 0
        while working_days < 2:
            expected += timedelta(days=1)
            working_days += expected.weekday() < 5
        self.assertEqual(planned.date_deadline, expected)
        done = lead.message_ids.filtered(lambda m: m.mail_activity_type_id)
        self.assertEqual(len(done), 1)
        self.assertIn("Left voicemail", done.body)
