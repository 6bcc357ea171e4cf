# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import reset_alignment_configuration


@tagged("post_install", "-at_install", "sma_tour")
class TestRolesTour(HttpCase):
    """A day's work per role, in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reset_alignment_configuration(cls.env)
        cls.rep = mail_new_test_user(
            cls.env, login="tour_roles_rep", name="Rosa Rep", email="rosa@example.com",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.marketing = mail_new_test_user(
            cls.env, login="tour_roles_mkt", name="Mick Marketing", email="mick@example.com",
            groups="base.group_user,sales_marketing_alignment.group_alignment_marketing",
        )
        cls.team = cls.env["crm.team"].create({"name": "Tour Roles Team", "member_ids": [(6, 0, cls.rep.ids)]})

    def test_rep_accepts_from_activity_menu(self):
        lead = self.env["crm.lead"].create({"name": "Tour handed-off lead", "type": "lead",
                                            "user_id": self.rep.id, "team_id": self.team.id})
        lead.action_handoff_to_sales()
        self.start_tour("/odoo", "sma_rep_accepts_from_activity_menu", login="tour_roles_rep")
        self.assertEqual(lead.lifecycle_stage, "sal")
        self.assertFalse(lead.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("sales_marketing_alignment.mail_activity_type_handoff")))

    def test_marketing_lands_on_nurture(self):
        lead = self.env["crm.lead"].create({"name": "Tour nurtured lead", "type": "lead",
                                            "user_id": self.rep.id, "team_id": self.team.id})
        lead.action_handoff_to_sales()
        lead.action_reject_handoff(self.env.ref("sales_marketing_alignment.lost_reason_timeframe_delayed").id)
        lead.reengage_date = False  # due for re-engagement now
        self.assertEqual(lead.lifecycle_stage, "nurture")
        # What the CRM app opens: its first menu, My Pipeline.
        self.start_tour("/odoo/action-crm.action_your_pipeline", "sma_marketing_lands_on_nurture",
                        login="tour_roles_mkt")

    def test_no_quick_move_on_won_deal(self):
        won = self.env["crm.lead"].create({"name": "Tour won deal", "type": "opportunity",
                                           "user_id": self.rep.id, "team_id": self.team.id})
        won.action_set_won()
        self.assertEqual(won.lifecycle_stage, "customer")
        self.start_tour(f"/odoo/action-crm.crm_lead_action_pipeline/{won.id}", "sma_no_quick_move_on_won_deal",
                        login="tour_roles_rep")
        self.assertEqual(won.lifecycle_stage, "customer")
