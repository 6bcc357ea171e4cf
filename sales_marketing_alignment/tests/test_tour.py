# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "sma_tour")
class TestLeadDefinitionTour(HttpCase):
    def test_lead_definition_tour(self):
        """An admin adds a must-have in the domain editor; a lead missing it shows as
        Inquiry; filling the field in the form makes it a Lead."""
        lead = self.env["crm.lead"].create({"name": "Tour prospect", "type": "lead"})
        self.assertEqual(lead.lifecycle_stage, "lead")

        self.start_tour("/odoo", "sma_lead_definition_add_criterion", login="admin")
        criterion = self.env["crm.lead.definition.criterion"].search([("name", "=", "Budget identified by tour")])
        self.assertEqual((criterion.requirement, criterion.domain),
                         ("must", '[("budget_status", "in", ["formal", "informal"])]'))
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
