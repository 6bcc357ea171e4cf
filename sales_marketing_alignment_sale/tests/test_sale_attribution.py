# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.sales_marketing_alignment.tests.common import AlignmentCommon

WON = datetime(2025, 6, 30, 12, 0, 0)
MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay", "w_shaped")


def days_before(days):
    return WON - timedelta(days=days)


@tagged("post_install", "-at_install", "sma_attribution")
class TestSaleAttribution(AlignmentCommon):
    """Campaign to cash on sales orders and invoices, against numbers by hand.

    The deal: expected revenue 10,000, touched by C1 14 days and C2 7 days
    before its win (look-back 30 days, half-life 7 days, company model
    position-based); a quotation made from it (2 x 4,000, no tax) confirmed:
    8,000; invoiced 8,000, then a partial credit note of 1,500 (2 x 750):
    invoiced revenue 6,500. Time decay weights 2^-2 and 2^-1: 1/3 and 2/3.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({
            "attribution_model": "position_based", "attribution_half_life_days": 7.0,
            "attribution_lookback_days": 30,
        })
        if not cls.env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", cls.company.id)]):
            # A database without a chart of accounts cannot invoice: load Odoo's generic one.
            cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company, install_demo=False)
        Campaign = cls.env["utm.campaign"]
        cls.c1 = Campaign.create({"title": "Cash C1", "cost": 1000.0})
        cls.c2 = Campaign.create({"title": "Cash C2", "cost": 0.0})
        cls.medium = cls.env["utm.medium"].create({"name": "Cash medium"})
        cls.source = cls.env["utm.source"].create({"name": "Cash source"})
        cls.customer = cls.env["res.partner"].create({"name": "Cash Customer", "email": "cash@example.com"})
        cls.product = cls.env["product.product"].create({
            "name": "Cash Service", "type": "service", "invoice_policy": "order", "list_price": 4000.0,
            "taxes_id": [(5, 0, 0)],
        })
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        # A sales rep creates quotations and confirms orders: give them Sales' own rights.
        cls.user_rep.groups_id |= cls.env.ref("sales_team.group_sale_salesman")

    # ------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------

    def _opportunity(self, touches, revenue=10000.0, name="Cash deal"):
        """An opportunity of the rep with touches [(campaign, days before the win)]."""
        lead = self.env["crm.lead"].create({
            "name": name, "type": "opportunity", "partner_id": self.customer.id, "expected_revenue": revenue,
            "user_id": self.user_rep.id, "team_id": self.team.id,
        })
        self.env["crm.touchpoint"].create([{
            "lead_id": lead.id, "campaign_id": campaign.id, "date": days_before(days), "origin": "api",
        } for campaign, days in touches])
        return lead

    def _quotation(self, lead, quantity=2, price=4000.0, pricelist=None):
        """A quotation made by the rep from the opportunity, as its New Quotation button does."""
        action = lead.with_user(self.user_rep).action_new_quotation()
        values = {"order_line": [(0, 0, {
            "product_id": self.product.id, "product_uom_qty": quantity, "price_unit": price, "tax_id": [(5, 0, 0)],
        })]}
        if pricelist:
            values["pricelist_id"] = pricelist.id
        return self.env["sale.order"].with_user(self.user_rep).with_context(**action["context"]).create(values)

    def _win(self, lead):
        lead.write({"stage_id": self.won_stage.id})
        lead.write({"date_closed": WON})

    def _invoice(self, order, invoice_date=None):
        invoice = order._create_invoices()
        if invoice_date:
            invoice.invoice_date = invoice_date
        invoice.action_post()
        return invoice

    def _credit_note(self, invoice, price):
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids,
        ).create({"reason": "Discount after delivery", "journal_id": invoice.journal_id.id})
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.invoice_line_ids.write({"price_unit": price})
        refund.action_post()
        return refund

    def _report(self, lead, model, user=None):
        self.env.flush_all()
        # A view: rows read before keep their ids, and their cached values, when the sums change.
        self.env.invalidate_all()
        Report = self.env["crm.attribution.report"]
        if user:
            Report = Report.with_user(user)
        rows = Report.search([("lead_id", "=", lead.id), ("model", "=", model)])
        result = {}
        for row in rows:
            sums = result.setdefault(row.campaign_id, [0.0, 0.0, 0.0])
            sums[0] += row.revenue
            sums[1] += row.confirmed_revenue
            sums[2] += row.invoiced_revenue
        return {campaign: tuple(round(amount, 2) for amount in sums) for campaign, sums in result.items()}

    def _cash_deal(self):
        lead = self._opportunity([(self.c1, 14), (self.c2, 7)])
        order = self._quotation(lead)
        order.with_user(self.user_rep).action_confirm()
        self._win(lead)
        invoice = self._invoice(order)
        self._credit_note(invoice, 750.0)
        return lead, order, invoice

    # ------------------------------------------------------------
    # UTM carry-over (sale_crm)
    # ------------------------------------------------------------

    def test_quotation_keeps_campaign(self):
        lead = self._opportunity([(self.c1, 14)])
        # The system sets the lead's UTM values (as a website form does): no manual touch.
        lead.write({"campaign_id": self.c2.id, "medium_id": self.medium.id, "source_id": self.source.id})
        touches = lead.touchpoint_ids
        order = self._quotation(lead)
        self.assertEqual(order.opportunity_id, lead)
        self.assertEqual((order.campaign_id, order.medium_id, order.source_id), (self.c2, self.medium, self.source),
                         "sale_crm's New Quotation passes the opportunity's campaign, medium and source")
        order.with_user(self.user_rep).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.campaign_id, self.c2, "confirming keeps the campaign")
        # The invoice keeps it too (sale copies UTM values to invoices), and the lead its history.
        invoice = self._invoice(order)
        self.assertEqual(invoice.campaign_id, self.c2)
        self.assertEqual(lead.touchpoint_ids, touches, "quotations and orders add or change no touchpoint")
        self.assertEqual((lead.first_touch_campaign_id, lead.last_touch_campaign_id), (self.c1, self.c1))

    # ------------------------------------------------------------
    # confirmed and invoiced revenue, model by model
    # ------------------------------------------------------------

    def test_confirmed_and_invoiced_revenue_by_model(self):
        lead, _order, _invoice = self._cash_deal()
        c1, c2 = self.c1, self.c2
        # (expected, confirmed, invoiced) per campaign.
        expected = {
            "first_touch": {c1: (10000.0, 8000.0, 6500.0), c2: (0.0, 0.0, 0.0)},
            "last_touch": {c1: (0.0, 0.0, 0.0), c2: (10000.0, 8000.0, 6500.0)},
            "linear": {c1: (5000.0, 4000.0, 3250.0), c2: (5000.0, 4000.0, 3250.0)},
            "position_based": {c1: (5000.0, 4000.0, 3250.0), c2: (5000.0, 4000.0, 3250.0)},
            "time_decay": {c1: (3333.33, 2666.67, 2166.67), c2: (6666.67, 5333.33, 4333.33)},
            # Two touches: W-shaped falls back to position-based, 50/50.
            "w_shaped": {c1: (5000.0, 4000.0, 3250.0), c2: (5000.0, 4000.0, 3250.0)},
        }
        for model in MODELS:
            self.assertEqual(self._report(lead, model), expected[model], model)

    def test_campaign_economics_on_cash(self):
        self._cash_deal()
        (self.c1 | self.c2).invalidate_recordset()
        # Position-based, 50 % each; C1 cost 1,000.
        self.assertAlmostEqual(self.c1.won_revenue, 5000.0)
        self.assertAlmostEqual(self.c1.confirmed_revenue, 4000.0)
        self.assertAlmostEqual(self.c1.invoiced_revenue, 3250.0)
        self.assertAlmostEqual(self.c1.roi_confirmed, 3.0, msg="(4000 - 1000) / 1000")
        self.assertAlmostEqual(self.c1.roi_invoiced, 2.25, msg="(3250 - 1000) / 1000")
        # No cost: no ROI on any revenue.
        self.assertAlmostEqual(self.c2.invoiced_revenue, 3250.0)
        self.assertFalse(self.c2.roi_applicable)
        self.assertEqual((self.c2.roi_confirmed, self.c2.roi_invoiced), (0.0, 0.0))
        # The company's model decides: last touch gives C2 everything, C1 nothing (ROI -100 %).
        self.company.attribution_model = "last_touch"
        (self.c1 | self.c2).invalidate_recordset()
        self.assertAlmostEqual(self.c2.invoiced_revenue, 6500.0)
        self.assertAlmostEqual(self.c1.invoiced_revenue, 0.0)
        self.assertAlmostEqual(self.c1.roi_invoiced, -1.0)

    def test_only_confirmed_orders_and_posted_invoices(self):
        lead = self._opportunity([(self.c1, 3)])
        confirmed = self._quotation(lead, quantity=1, price=1000.0)
        confirmed.action_confirm()
        self._quotation(lead, quantity=1, price=700.0)  # a quotation left as it is
        cancelled = self._quotation(lead, quantity=1, price=300.0)
        cancelled.action_confirm()
        cancelled._action_cancel()
        self._win(lead)
        draft_invoice = confirmed._create_invoices()
        self.assertEqual(self._report(lead, "first_touch"), {self.c1: (10000.0, 1000.0, 0.0)},
                         "a quotation, a cancelled order and a draft invoice count for nothing")
        draft_invoice.action_post()
        self.assertEqual(self._report(lead, "first_touch"), {self.c1: (10000.0, 1000.0, 1000.0)})

    def test_unattributed_cash(self):
        lead = self._opportunity([], name="No touch")
        order = self._quotation(lead, quantity=1, price=1200.0)
        order.action_confirm()
        self._win(lead)
        self.env.flush_all()
        rows = self.env["crm.attribution.report"].search([("lead_id", "=", lead.id)])
        self.assertEqual(len(rows), 6, "one unattributed row per model")
        self.assertEqual(set(rows.mapped("unattributed_confirmed_revenue")), {1200.0})
        self.assertEqual(set(rows.mapped("confirmed_revenue")), {1200.0})
        self.assertEqual(set(rows.mapped("unattributed_invoiced_revenue")), {0.0})
        self.assertFalse(rows.campaign_id)

    def test_foreign_currency_at_order_and_invoice_date(self):
        other = self.env["res.currency"].with_context(active_test=False).search(
            [("id", "!=", self.company.currency_id.id), ("name", "in", ["EUR", "USD", "CHF"])], limit=1)
        other.active = True
        self.env["res.currency.rate"].search([("currency_id", "in", (other | self.company.currency_id).ids)]).unlink()
        self.env["res.currency.rate"].create([
            {"currency_id": other.id, "name": "2025-01-01", "rate": 2.0, "company_id": self.company.id},
            {"currency_id": other.id, "name": "2025-06-01", "rate": 4.0, "company_id": self.company.id},
        ])
        pricelist = self.env["product.pricelist"].create({"name": "Abroad", "currency_id": other.id})
        lead = self._opportunity([(self.c1, 10)], revenue=2000.0, name="Abroad")
        order = self._quotation(lead, quantity=1, price=3000.0, pricelist=pricelist)
        order.action_confirm()
        order.date_order = datetime(2025, 5, 15, 10, 0, 0)
        self._win(lead)
        self._invoice(order, invoice_date="2025-06-15")
        # 3,000 at 2 per company unit on the order date; at 4 on the invoice date.
        self.assertEqual(self._report(lead, "linear"), {self.c1: (2000.0, 1500.0, 750.0)})

    # ------------------------------------------------------------
    # rights
    # ------------------------------------------------------------

    def test_rights_salesman_reads_cannot_change(self):
        lead, _order, _invoice = self._cash_deal()
        self.assertEqual(self._report(lead, "position_based", user=self.user_rep),
                         {self.c1: (5000.0, 4000.0, 3250.0), self.c2: (5000.0, 4000.0, 3250.0)},
                         "the rep reads the credited revenue of their own deal")
        rows = self.env["crm.attribution.report"].with_user(self.user_rep).search([("lead_id", "=", lead.id)])
        with self.assertRaises(AccessError):
            rows[:1].write({"invoiced_revenue": 1.0})
        with self.assertRaises(AccessError):
            rows[:1].unlink()
        with self.assertRaises(AccessError):
            self.env["crm.attribution.report"].with_user(self.user_rep).create({"lead_id": lead.id})
        # Campaign economics are marketing's and sales managers'.
        with self.assertRaises(AccessError):
            self.c1.with_user(self.user_rep).read(["invoiced_revenue"])
        self.assertAlmostEqual(self.c1.with_user(self.user_marketing).invoiced_revenue, 3250.0)
        self.assertAlmostEqual(self.c1.with_user(self.user_sales_manager).roi_invoiced, 2.25)
        # Another rep does not see the deal.
        self.assertFalse(self.env["crm.attribution.report"].with_user(self.user_rep_other).search(
            [("lead_id", "=", lead.id)]))
