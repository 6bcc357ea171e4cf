# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import AlignmentCommon


@tagged("post_install", "-at_install", "sma_feedback")
class TestFeedback(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.timeframe = ref("sales_marketing_alignment.lost_reason_timeframe_delayed")
        cls.price = ref("sales_marketing_alignment.lost_reason_price_too_high")
        cls.not_icp = ref("sales_marketing_alignment.lost_reason_not_icp")
        cls.campaign_b = cls.env["utm.campaign"].create({"title": "Campaign B"})

    def _lead(self, **vals):
        return self.env["crm.lead"].create(dict({
            "name": "Prospect", "type": "lead", "team_id": self.team.id, "user_id": self.user_rep.id,
            "campaign_id": self.campaign.id,
        }, **vals))

    def _lose(self, leads, reason, user=None):
        """Mark lost through Odoo's own Lost wizard: a reason, no text."""
        wizard = self.env["crm.lead.lost"].with_user(user or self.user_rep).create({
            "lead_ids": leads.ids, "lost_reason_id": reason.id})
        wizard.action_lost_reason_apply()

    def test_shipped_reasons(self):
        Reason = self.env["crm.lost.reason"]
        codes = set(Reason.search([("code", "!=", False)]).mapped("code"))
        self.assertLessEqual(
            {"DECISION_MADE", "TIMEFRAME_DELAYED", "PRICE_TOO_HIGH", "NOT_ICP", "UNREACHABLE", "DUPLICATE", "OTHER"},
            codes)
        self.assertEqual(
            {key for key, _label in Reason._fields["category"].selection},
            {"decision_made", "timeframe_delayed", "price_too_high", "not_icp", "unreachable", "duplicate", "other"},
        )
        self.assertEqual((self.timeframe.follow_up, self.timeframe.reengage_days), ("nurture", 90))
        self.assertEqual(self.price.follow_up, "alert")

    def test_nurture_follow_up(self):
        lead = self._lead()
        self._lose(lead, self.timeframe)
        self.assertFalse(lead.active, "still lost for sales")
        self.assertEqual(lead.lost_reason_id, self.timeframe)
        self.assertEqual(lead.lifecycle_stage, "nurture")
        self.assertEqual(lead.reengage_date, fields.Date.today() + timedelta(days=90))
        moves = [(h.to_stage, h.reason_id) for h in lead.lifecycle_history_ids.sorted("id")]
        self.assertEqual(moves[-2:], [("disqualified", self.timeframe), ("nurture", self.timeframe)])
        # Marketing's queue shows it on its re-engage date, not before.
        action = self.env.ref("sales_marketing_alignment.crm_lead_action_nurture")
        Lead = self.env["crm.lead"].with_user(self.user_marketing).with_context(active_test=False)
        to_reengage = [("lifecycle_stage", "=", "nurture"), ("reengage_date", "<=", fields.Date.today())]
        self.assertIn(lead, Lead.search(safe_eval(action.domain)))
        self.assertNotIn(lead, Lead.search(to_reengage))
        with freeze_time(fields.Date.today() + timedelta(days=90)):
            self.assertIn(lead, Lead.search([("lifecycle_stage", "=", "nurture"),
                                             ("reengage_date", "<=", fields.Date.today())]))
        # Handing it off again brings it back to life.
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        self.assertEqual((lead.active, lead.lifecycle_stage, lead.reengage_date), (True, "mql", False))

    def test_alert_user_follow_up(self):
        self.price.write({"alert_user_id": self.user_sales_manager.id})
        lead = self._lead()
        self._lose(lead, self.price)
        alert = self.env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.user_id, self.user_sales_manager)
        self.assertIn("Profile matched, price too high", alert.summary)
        self.assertEqual(lead.lifecycle_stage, "disqualified")

    def test_alert_group_follow_up(self):
        lead = self._lead()
        self._lose(lead, self.price)
        alert = lead.message_ids.filtered(lambda m: "closed this lead with the reason" in (m.body or ""))
        self.assertEqual(len(alert), 1)
        self.assertIn(self.user_sales_manager.partner_id, alert.partner_ids)
        self.assertNotIn(self.user_rep.partner_id, alert.partner_ids)

    def test_close_follow_up(self):
        lead = self._lead()
        messages = len(lead.message_ids)
        self._lose(lead, self.not_icp)
        self.assertEqual((lead.active, lead.lifecycle_stage, lead.reengage_date), (False, "disqualified", False))
        self.assertFalse(self.env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)]))
        # Odoo tracks the loss itself (at commit); the addon posts nothing more.
        self.assertEqual(len(lead.message_ids), messages)

    def test_reject_follows_reason(self):
        nurture, closed, alerted = self._lead(), self._lead(), self._lead()
        (nurture | closed | alerted).action_handoff_to_sales()
        nurture.with_user(self.user_rep).action_reject_handoff(self.timeframe.id)
        closed.with_user(self.user_rep).action_reject_handoff(self.not_icp.id)
        alerted.with_user(self.user_rep).action_reject_handoff(self.price.id)
        self.assertEqual((nurture.active, nurture.lifecycle_stage), (True, "nurture"))
        self.assertTrue(nurture.reengage_date)
        self.assertEqual((closed.active, closed.lifecycle_stage, closed.lost_reason_id),
                         (False, "disqualified", self.not_icp))
        self.assertEqual((alerted.active, alerted.lifecycle_stage), (False, "disqualified"))
        self.assertTrue(alerted.message_ids.filtered(lambda m: "closed this lead" in (m.body or "")))
        # The reject wizard proposes where the reason sends the lead.
        wizard = self.env["crm.lead.handoff.reject"].new({"reason_id": self.timeframe.id})
        self.assertEqual(wizard.to_stage, "nurture")
        wizard.reason_id = self.not_icp
        self.assertEqual(wizard.to_stage, "disqualified")

    def test_bad_reasons(self):
        Reason = self.env["crm.lost.reason"]
        count = Reason.search_count([])
        cases = [
            ({"name": "Dup", "code": "NOT_ICP"}, "already used"),
            ({"name": "Nurture", "follow_up": "nurture"}, "re-engages them"),
            ({"name": "Nurture", "follow_up": "nurture", "reengage_days": -3}, "re-engages them"),
            ({"name": "Alert", "follow_up": "alert"}, "choose the user or the group"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as error:
                Reason.create(vals)
            self.assertIn(message, str(error.exception))
        self.assertEqual(Reason.search_count([]), count)
        # A code is unique per company: another company may reuse it.
        company_b = self.env["res.company"].create({"name": "Company B"})
        Reason.create({"name": "B's own", "code": "B_ONLY", "company_id": company_b.id})
        Reason.create({"name": "A's own", "code": "B_ONLY", "company_id": self.env.company.id})
        with self.assertRaises(ValidationError):
            Reason.create({"name": "Again", "code": "B_ONLY", "company_id": company_b.id})
        with self.assertRaises(AccessError):
            self.not_icp.with_user(self.user_rep).write({"follow_up": "nurture", "reengage_days": 5})

    def test_feedback_report(self):
        """Reasons by campaign and category, against hand-computed numbers."""
        a1, a2, a3 = self._lead(), self._lead(), self._lead()
        b1 = self._lead(campaign_id=self.campaign_b.id, user_id=self.user_rep_other.id)
        self._lose(a1 | a2, self.timeframe)
        self._lose(a3, self.not_icp)
        b1.action_handoff_to_sales()
        b1.with_user(self.user_rep_other).action_reject_handoff(self.price.id)
        Report = self.env["crm.feedback.report"]
        scope = [("lead_id", "in", (a1 | a2 | a3 | b1).ids)]
        # A lost lead returned to nurture gives two rows (disqualified, then nurture).
        rows = Report._read_group(scope, ["campaign_id", "category", "to_stage"], ["__count"])
        counts = {(campaign.title, category, stage): count for campaign, category, stage, count in rows}
        self.assertEqual(counts, {
            ("Test Webinar", "timeframe_delayed", "disqualified"): 2,
            ("Test Webinar", "timeframe_delayed", "nurture"): 2,
            ("Test Webinar", "not_icp", "disqualified"): 1,
            ("Campaign B", "price_too_high", "disqualified"): 1,
        })
        self.assertEqual(Report.search(scope + [("reason_id", "=", self.price.id)]).given_by_id, self.user_rep_other)
        self.assertEqual(self.campaign.feedback_count, 5)
        self.assertEqual(self.campaign_b.feedback_count, 1)
        # Reps see the feedback on their own leads only; marketing sees all.
        self.assertEqual(Report.with_user(self.user_rep).search(scope).lead_id, a1 | a2 | a3)
        self.assertEqual(Report.with_user(self.user_marketing).search(scope).lead_id, a1 | a2 | a3 | b1)
