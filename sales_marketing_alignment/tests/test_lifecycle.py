# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import AlignmentCommon


@tagged("post_install", "-at_install", "sma_lifecycle")
class TestLifecycle(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.lead.definition.criterion"].create({
            "name": "Budget known", "domain": "[('budget_status', 'in', ['formal', 'informal'])]",
        })
        cls.reason = cls.env.ref("sales_marketing_alignment.lost_reason_timeframe_delayed")  # nurture, 90 days
        cls.reason_close = cls.env.ref("sales_marketing_alignment.lost_reason_not_icp")
        cls.History = cls.env["crm.lead.lifecycle.history"]

    def _lead(self, **vals):
        lead = self.env["crm.lead"].create(dict({
            "name": "Prospect", "type": "lead", "team_id": self.team.id,
            "user_id": self.user_rep.id, "budget_status": "formal",
        }, **vals))
        self.flush_pipeline()
        return lead

    def _moves(self, lead):
        return [(h.from_stage, h.to_stage) for h in lead.lifecycle_history_ids.sorted("id")]

    def _mql(self, **vals):
        lead = self._lead(**vals)
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        return lead

    def test_initial_stage_and_history(self):
        lead = self._lead()
        inquiry = self._lead(budget_status="unknown")
        opportunity = self._lead(type="opportunity")
        self.assertEqual(
            (lead | inquiry | opportunity).mapped("lifecycle_stage"), ["lead", "inquiry", "sql"])
        self.assertEqual(self._moves(lead), [(False, "lead")])
        self.assertEqual(self._moves(opportunity), [(False, "sql")])
        first = lead.lifecycle_history_ids
        self.assertEqual(first.user_id, self.env.user)
        self.assertEqual(first.team_id, self.team)
        self.assertEqual(first.salesperson_id, self.user_rep)
        self.assertEqual(first.company_id, lead.company_id)

    def test_definition_moves_inquiry_and_lead(self):
        lead = self._lead(budget_status="unknown")
        lead.with_user(self.user_rep).budget_status = "informal"
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "lead")
        lead.with_user(self.user_rep).budget_status = "none"
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "inquiry")
        self.assertEqual(self._moves(lead), [(False, "inquiry"), ("inquiry", "lead"), ("lead", "inquiry")])
        self.assertEqual(lead.lifecycle_history_ids.sorted("id")[1].user_id, self.user_rep)
        # Chatter shows each move like a tracked field, by who made it.
        tracked = lead.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "lifecycle_stage")
        self.assertEqual(sorted(tracked.mapped("new_value_char")), ["Inquiry", "Lead"])
        self.assertEqual(tracked.mail_message_id.author_id, self.user_rep.partner_id)

    def test_unrelated_write_does_not_reevaluate(self):
        lead = self._lead(budget_status="unknown")

        def queries(vals):
            lead.invalidate_recordset()
            _stage = lead.lifecycle_stage  # load the record as a form would
            before = self.env.cr.sql_log_count
            lead.write(vals)
            self.flush_pipeline()
            return self.env.cr.sql_log_count - before

        with_definition = queries({"description": "<p>called</p>"})
        reevaluated = queries({"budget_status": "none"})
        self.env["crm.lead.definition.criterion"].search([]).active = False
        queries({"description": "<p>warm the caches</p>"})
        without_definition = queries({"description": "<p>called again</p>"})
        self.assertEqual(with_definition, without_definition, "unrelated writes cost no definition query")
        self.assertGreater(reevaluated, with_definition)

    def test_handoff_accept(self):
        lead = self._lead()
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        self.assertEqual(lead.lifecycle_stage, "mql")
        self.assertTrue(lead.date_handoff)
        handoff = lead.lifecycle_history_ids.sorted("id")[-1]
        self.assertEqual((handoff.from_stage, handoff.to_stage, handoff.user_id),
                         ("lead", "mql", self.user_marketing))
        lead.with_user(self.user_rep).action_accept_handoff()
        self.assertEqual(lead.lifecycle_stage, "sal")
        self.assertTrue(lead.date_accepted)
        self.assertEqual(self._moves(lead), [(False, "lead"), ("lead", "mql"), ("mql", "sal")])
        self.assertEqual(lead.lifecycle_history_ids.sorted("id")[-1].user_id, self.user_rep)
        self.assertIn(lead, self.env["crm.lead"].search([("lifecycle_stage", "=", "sal")]))

    def test_sales_manager_hands_off_rep_cannot(self):
        lead = self._lead()
        with self.assertRaisesRegex(UserError, "Only marketing users and sales managers"):
            lead.with_user(self.user_rep).action_handoff_to_sales()
        lead.with_user(self.user_sales_manager).action_handoff_to_sales()
        self.assertEqual(lead.lifecycle_stage, "mql")

    def test_handoff_of_inquiry_refused(self):
        lead = self._lead(budget_status="unknown")
        with self.assertRaisesRegex(UserError, "still an inquiry: it misses Budget known"):
            lead.with_user(self.user_marketing).action_handoff_to_sales()
        self.assertEqual(lead.lifecycle_stage, "inquiry")
        self.assertEqual(len(lead.lifecycle_history_ids), 1)

    def test_accept_rights(self):
        lead = self._mql()
        # Another rep does not even see the lead (crm's "Personal Leads" rule).
        with self.assertRaises(AccessError):
            lead.with_user(self.user_rep_other).action_accept_handoff()
        with self.assertRaisesRegex(UserError, "Only the salesperson"):
            lead.with_user(self.user_marketing).action_accept_handoff()
        self.assertEqual(lead.lifecycle_stage, "mql")
        # The team leader (the salesperson's manager) may accept.
        lead.with_user(self.user_sales_manager).action_accept_handoff()
        self.assertEqual(lead.lifecycle_stage, "sal")

    def test_accept_other_reps_lead_no_access(self):
        lead = self._mql(user_id=self.user_rep_other.id)
        # A rep does not even see another rep's lead (crm's "Personal Leads" rule).
        with self.assertRaises(AccessError):
            lead.with_user(self.user_rep).read(["lifecycle_stage"])

    def test_accept_not_handed_off_refused(self):
        lead = self._lead()
        with self.assertRaisesRegex(UserError, "was not handed off to sales"):
            lead.with_user(self.user_rep).action_accept_handoff()
        with self.assertRaisesRegex(UserError, "was not handed off to sales"):
            lead.with_user(self.user_rep).action_reject_handoff(self.reason.id)
        self.assertEqual(lead.lifecycle_stage, "lead")
        self.assertEqual(len(lead.lifecycle_history_ids), 1)

    def test_batch_accept_all_or_nothing(self):
        mine = self._mql()
        unassigned = self._mql(user_id=False)
        with self.assertRaisesRegex(UserError, "Only the salesperson"):
            (mine | unassigned).with_user(self.user_rep).action_accept_handoff()
        self.assertEqual((mine | unassigned).mapped("lifecycle_stage"), ["mql", "mql"])

    def test_reject_to_nurture(self):
        lead = self._mql()
        with self.assertRaisesRegex(UserError, "Choose why"):
            lead.with_user(self.user_rep).action_reject_handoff(False)
        lead.with_user(self.user_rep).action_reject_handoff(self.reason.id)
        self.assertEqual(lead.lifecycle_stage, "nurture", "the reason's follow-up decides")
        self.assertTrue(lead.active)
        self.assertEqual(lead.reengage_date, fields.Date.today() + timedelta(days=90))
        self.assertEqual(lead.handoff_reject_reason_id, self.reason)
        last = lead.lifecycle_history_ids.sorted("id")[-1]
        self.assertEqual((last.from_stage, last.to_stage, last.reason_id), ("mql", "nurture", self.reason))
        # Marketing may hand a nurtured lead back to sales later.
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        self.assertEqual(lead.lifecycle_stage, "mql")
        self.assertFalse(lead.handoff_reject_reason_id)

    def test_reject_to_disqualified_marks_lost(self):
        closing = self._mql()
        closing.with_user(self.user_rep).action_reject_handoff(self.reason_close.id)
        self.assertEqual((closing.active, closing.lifecycle_stage), (False, "disqualified"))
        lead = self._mql()
        lead.with_user(self.user_rep).action_reject_handoff(self.reason.id, to_stage="disqualified")
        self.assertFalse(lead.active)
        self.assertEqual(lead.lost_reason_id, self.reason)
        self.assertEqual(lead.lifecycle_stage, "disqualified")
        last = lead.lifecycle_history_ids.sorted("id")[-1]
        self.assertEqual((last.from_stage, last.to_stage, last.reason_id), ("mql", "disqualified", self.reason))
        with self.assertRaisesRegex(UserError, "Nurture or to Disqualified"):
            self._mql().action_reject_handoff(self.reason.id, to_stage="customer")

    def test_reject_wizard(self):
        lead = self._mql()
        action = lead.with_user(self.user_rep).action_open_handoff_reject()
        wizard_form = Form(self.env[action["res_model"]].with_user(self.user_rep).with_context(**action["context"]))
        wizard_form.reason_id = self.reason
        wizard_form.to_stage = "nurture"
        wizard_form.save().action_confirm()
        self.assertEqual(lead.lifecycle_stage, "nurture")

    def test_conversion_won_lost_restore(self):
        lead = self._mql()
        lead.with_user(self.user_rep).action_accept_handoff()
        lead.with_user(self.user_rep).convert_opportunity(self.env["res.partner"])
        self.assertEqual((lead.type, lead.lifecycle_stage), ("opportunity", "sql"))
        lead.with_user(self.user_rep).action_set_won()
        self.assertEqual(lead.lifecycle_stage, "customer")
        # Odoo logs conversion and won itself: no second chatter line for them.
        lifecycle_lines = lead.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "lifecycle_stage")
        self.assertEqual(lifecycle_lines.mapped("new_value_char"), ["SAL", "MQL"])
        self.assertEqual(self._moves(lead)[-2:], [("sal", "sql"), ("sql", "customer")])
        # Lost, then restored.
        other = self._lead(type="opportunity")
        other.with_user(self.user_rep).action_set_lost(lost_reason_id=self.reason_close.id)
        self.assertEqual(other.lifecycle_stage, "disqualified")
        other.with_user(self.user_rep).toggle_active()
        self.assertEqual(other.lifecycle_stage, "sql")
        lost_lead = self._lead(budget_status="unknown")
        lost_lead.action_set_lost(lost_reason_id=self.reason_close.id)
        self.assertEqual(lost_lead.lifecycle_stage, "disqualified")
        lost_lead.toggle_active()
        self.flush_pipeline()
        self.assertEqual(lost_lead.lifecycle_stage, "inquiry", "a restored lead follows the definition again")

    def test_convert_wizard(self):
        lead = self._lead()
        wizard = self.env["crm.lead2opportunity.partner"].with_user(self.user_rep).with_context(
            active_model="crm.lead", active_id=lead.id, active_ids=lead.ids).create({"name": "convert", "action": "nothing"})
        wizard.action_apply()
        self.assertEqual(lead.lifecycle_stage, "sql")

    def test_direct_write_rights(self):
        lead = self._lead()
        with self.assertRaisesRegex(UserError, "use the Hand off, Accept and Reject buttons"):
            lead.with_user(self.user_rep).write({"lifecycle_stage": "customer"})
        with self.assertRaisesRegex(UserError, "use the Hand off"):
            self.env["crm.lead"].with_user(self.user_rep).create(
                {"name": "x", "lifecycle_stage": "sal", "user_id": self.user_rep.id})
        self.assertEqual(lead.lifecycle_stage, "lead")
        lead.with_user(self.user_alignment_manager).write({"lifecycle_stage": "nurture"})
        self.assertEqual(self._moves(lead)[-1], ("lead", "nurture"))

    def test_kanban_shows_every_stage(self):
        self._lead()
        groups = self.env["crm.lead"].read_group(
            [("team_id", "=", self.team.id)], ["lifecycle_stage"], ["lifecycle_stage"])
        self.assertEqual(
            [g["lifecycle_stage"] for g in groups],
            ["inquiry", "lead", "mql", "sal", "sql", "customer", "nurture", "disqualified"],
        )

    def test_history_access(self):
        mine = self._lead()
        theirs = self._lead(user_id=self.user_rep_other.id)
        History = self.History.with_user(self.user_rep)
        self.assertEqual(History.search([("lead_id", "in", (mine | theirs).ids)]).lead_id, mine)
        self.assertEqual(
            self.History.with_user(self.user_marketing).search([("lead_id", "in", (mine | theirs).ids)]).lead_id,
            mine | theirs,
        )
        with self.assertRaises(AccessError):
            History.create({"lead_id": mine.id, "to_stage": "customer"})
        with self.assertRaises(AccessError):
            mine.lifecycle_history_ids.with_user(self.user_alignment_manager).write({"to_stage": "customer"})

    def test_init_existing_leads(self):
        won = self._lead(type="opportunity")
        won.action_set_won()
        lead = self._lead()
        self.env.cr.execute(
            "DELETE FROM crm_lead_lifecycle_history WHERE lead_id IN %s", [(won.id, lead.id)])
        self.env.cr.execute(
            "UPDATE crm_lead SET lifecycle_stage = 'lead' WHERE id IN %s", [(won.id, lead.id)])
        self.env.invalidate_all()
        self.History._lifecycle_init_existing()
        self.assertEqual((won.lifecycle_stage, lead.lifecycle_stage), ("customer", "lead"))
        self.assertEqual(self._moves(won), [(False, "customer")])
        self.assertEqual(won.lifecycle_history_ids.date, won.create_date)
