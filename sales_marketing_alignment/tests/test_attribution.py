# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import AlignmentCommon

WON = datetime(2025, 6, 30, 12, 0, 0)


def days_before(days):
    return WON - timedelta(days=days)


@tagged("post_install", "-at_install", "sma_attribution")
class TestAttribution(AlignmentCommon):
    """Credit of every model against numbers computed by hand.

    Deal A (10,000, won on WON, look-back 30 days, half-life 7 days):
        t0 C4 -40 d (outside the window), t1 C1 -28 d, t2 C2 -21 d, t3 C3 -14 d, t4 C2 -7 d;
        lifecycle: inquiry at -28 d, lead at -20 d (milestone touch t2), SQL at -10 d (t3).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({
            "attribution_model": "position_based", "attribution_half_life_days": 7.0,
            "attribution_lookback_days": 30,
        })
        Campaign = cls.env["utm.campaign"]
        cls.c1 = Campaign.create({"title": "Attr C1", "cost": 1000.0})
        cls.c2 = Campaign.create({"title": "Attr C2", "cost": 0.0})
        cls.c3 = Campaign.create({"title": "Attr C3", "cost": 500.0})
        cls.c4 = Campaign.create({"title": "Attr C4", "cost": 100.0})
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.Touchpoint = cls.env["crm.touchpoint"]

    # ------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------

    def _deal(self, revenue, touches, history, name="Deal"):
        """A won deal with touches [(campaign, days before the win)] and
        lifecycle history [(stage, days before the win)]."""
        lead = self.env["crm.lead"].create({
            "name": name, "type": "opportunity", "expected_revenue": revenue,
            "user_id": self.user_rep.id, "team_id": self.team.id,
        })
        self.Touchpoint.create([{
            "lead_id": lead.id, "campaign_id": campaign.id, "date": days_before(days), "origin": "api",
        } for campaign, days in touches])
        lead.write({"stage_id": self.won_stage.id})
        lead.write({"date_closed": WON})
        lead.lifecycle_history_ids.unlink()
        previous = False
        History = self.env["crm.lead.lifecycle.history"]
        for stage, days in history + [("customer", 0)]:
            History.create({"lead_id": lead.id, "from_stage": previous, "to_stage": stage,
                            "date": days_before(days), "company_id": lead.company_id.id})
            previous = stage
        return lead

    def _deal_a(self):
        return self._deal(10000, [(self.c4, 40), (self.c1, 28), (self.c2, 21), (self.c3, 14), (self.c2, 7)],
                          [("inquiry", 28), ("lead", 20), ("sql", 10)], name="Deal A")

    def _by_campaign(self, lead, model):
        self.env.flush_all()
        rows = self.env["crm.attribution.report"].search([("lead_id", "=", lead.id), ("model", "=", model)])
        result = {}
        for row in rows:
            result.setdefault(row.campaign_id, [0.0, 0.0])
            result[row.campaign_id][0] += row.credit
            result[row.campaign_id][1] += row.revenue
        return {campaign: (round(credit, 6), round(revenue, 2)) for campaign, (credit, revenue) in result.items()}

    def _revenue(self, lead, model):
        return {campaign: revenue for campaign, (_credit, revenue) in self._by_campaign(lead, model).items()}

    # ------------------------------------------------------------
    # credit, model by model
    # ------------------------------------------------------------

    def test_models_by_hand(self):
        deal = self._deal_a()
        c1, c2, c3 = self.c1, self.c2, self.c3
        self.assertEqual(self._revenue(deal, "first_touch"), {c1: 10000, c2: 0, c3: 0},
                         "C4 is outside the 30-day look-back: C1 is the first touch")
        self.assertEqual(self._revenue(deal, "last_touch"), {c1: 0, c2: 10000, c3: 0})
        self.assertEqual(self._revenue(deal, "linear"), {c1: 2500, c2: 5000, c3: 2500})
        # 40 % first, 40 % last, 20 % shared by the two in the middle.
        self.assertEqual(self._revenue(deal, "position_based"), {c1: 4000, c2: 5000, c3: 1000})
        # Weights 2^-4, 2^-3, 2^-2, 2^-1 (28, 21, 14, 7 days at a 7-day half-life) = 1, 2, 4, 8 / 15.
        self.assertEqual(self._revenue(deal, "time_decay"), {
            c1: round(10000 / 15, 2), c2: round(10000 * 10 / 15, 2), c3: round(10000 * 4 / 15, 2)})
        # 30 % first (t1), 30 % the lead milestone (t2, C2), 30 % the SQL milestone (t3, C3), 10 % t4 (C2).
        self.assertEqual(self._revenue(deal, "w_shaped"), {c1: 3000, c2: 4000, c3: 3000})

    def test_credits_sum_to_one_deal(self):
        deal = self._deal_a()
        self.env.flush_all()
        Report = self.env["crm.attribution.report"]
        for model in ("first_touch", "last_touch", "linear", "position_based", "time_decay", "w_shaped"):
            rows = Report.search([("lead_id", "=", deal.id), ("model", "=", model)])
            self.assertEqual(len(rows), 4, "one row per touchpoint in the window")
            self.assertAlmostEqual(sum(rows.mapped("credit")), 1.0, places=6, msg=model)
            self.assertAlmostEqual(sum(rows.mapped("revenue")), 10000.0, places=2, msg=model)
            self.assertTrue(all(rows.mapped("attributed")))
        company_rows = Report.search([("lead_id", "=", deal.id), ("is_company_model", "=", True)])
        self.assertEqual(set(company_rows.mapped("model")), {"position_based"})

    def test_w_shaped_coinciding_milestones(self):
        # Created as a lead at its first touch: the lead milestone is the first
        # touch, so W-shaped falls back to position-based (40/20/40).
        deal = self._deal(5000, [(self.c1, 10), (self.c2, 5), (self.c3, 2)],
                          [("lead", 10), ("sql", 4)])
        expected = {self.c1: 2000, self.c2: 1000, self.c3: 2000}
        self.assertEqual(self._revenue(deal, "w_shaped"), expected)
        self.assertEqual(self._revenue(deal, "position_based"), expected)
        # Three distinct milestones and no other touch: a third each.
        deal = self._deal(3000, [(self.c1, 10), (self.c2, 5), (self.c3, 2)],
                          [("inquiry", 10), ("lead", 5), ("sql", 2)])
        self.assertEqual(self._revenue(deal, "w_shaped"), {self.c1: 1000, self.c2: 1000, self.c3: 1000})

    def test_two_touches_and_one_touch(self):
        deal = self._deal(2000, [(self.c1, 9), (self.c2, 3)], [("lead", 9), ("sql", 3)])
        self.assertEqual(self._revenue(deal, "position_based"), {self.c1: 1000, self.c2: 1000})
        self.assertEqual(self._revenue(deal, "w_shaped"), {self.c1: 1000, self.c2: 1000})
        single = self._deal(700, [(self.c3, 1)], [("lead", 1)])
        for model in ("first_touch", "last_touch", "linear", "position_based", "time_decay", "w_shaped"):
            self.assertEqual(self._revenue(single, model), {self.c3: 700}, model)

    def test_lookback_and_unattributed_revenue(self):
        deal = self._deal(3000, [(self.c4, 40)], [("lead", 40)], name="Old touch only")
        self.env.flush_all()
        rows = self.env["crm.attribution.report"].search([("lead_id", "=", deal.id)])
        self.assertEqual(len(rows), 6, "one unattributed row per model")
        self.assertFalse(any(rows.mapped("attributed")))
        self.assertFalse(rows.campaign_id)
        self.assertEqual(set(rows.mapped("unattributed_revenue")), {3000.0})
        self.assertEqual(set(rows.mapped("credit")), {1.0})
        # A longer window takes the old touch in.
        self.company.attribution_lookback_days = 60
        self.assertEqual(self._revenue(deal, "first_touch"), {self.c4: 3000})
        deal_a = self._deal_a()
        self.assertEqual(self._revenue(deal_a, "first_touch"), {self.c4: 10000, self.c1: 0, self.c2: 0, self.c3: 0})

    def test_period_filter_same_as_filtering_afterwards(self):
        """A period on the won date (as the dashboard reads the report) gives
        the rows of the whole report that fall in it, and PostgreSQL filters
        the won deals first, through the won-date index."""
        deal_a = self._deal_a()
        untouched = self._deal(3000, [(self.c4, 40)], [("lead", 40)], name="Old touch only")
        earlier = self._deal(2000, [(self.c1, 9), (self.c2, 3)], [("lead", 9), ("sql", 3)], name="May deal")
        earlier.write({"date_closed": WON - timedelta(days=45)})  # its touches fall outside its own window now
        later = self._deal(700, [(self.c3, 1)], [("lead", 1)], name="July deal")
        # Its touch is 1 day before WON: one day before its own win too.
        later.write({"date_closed": WON + timedelta(days=31)})
        self.Touchpoint.search([("lead_id", "=", later.id)]).date = WON + timedelta(days=30)
        self.env.flush_all()
        Report = self.env["crm.attribution.report"]
        deals = [("lead_id", "in", (deal_a | untouched | earlier | later).ids)]
        measures = ["credit:sum", "revenue:sum", "unattributed_revenue:sum"]
        groupby = ["model", "lead_id", "campaign_id", "attributed"]
        everything = Report.search(deals)
        self.assertEqual(len(everything), 6 * (4 + 1 + 1 + 1), "deal A's 4 touches, the July touch, 2 unattributed")
        for first, last in ((WON - timedelta(days=1), WON + timedelta(days=1)),
                            (WON - timedelta(days=60), WON),
                            (WON - timedelta(days=60), WON + timedelta(days=60)),
                            (WON + timedelta(days=1), WON + timedelta(days=60))):
            period = [("date", ">=", first), ("date", "<", last)]
            filtered = {(model, lead, campaign, attributed): tuple(round(value, 6) for value in values)
                        for model, lead, campaign, attributed, *values
                        in Report._read_group(deals + period, groupby, measures)}
            afterwards = {}
            for row in everything.filtered(lambda row, first=first, last=last: first <= row.date < last):
                key = (row.model, row.lead_id, row.campaign_id, row.attributed)
                sums = afterwards.setdefault(key, [0.0, 0.0, 0.0])
                for index, value in enumerate((row.credit, row.revenue, row.unattributed_revenue)):
                    sums[index] += value
            self.assertEqual(filtered, {key: tuple(round(value, 6) for value in sums)
                                        for key, sums in afterwards.items()}, (first, last))
        # By hand: June 29 to July 1 holds deal A (10,000 in 4 touches) and the
        # unattributed deal (3,000); May and July are out.
        [[revenue, unattributed]] = Report._read_group(
            deals + [("date", ">=", WON - timedelta(days=1)), ("date", "<", WON + timedelta(days=1)),
                     ("is_company_model", "=", True)], [], ["revenue:sum", "unattributed_revenue:sum"])
        self.assertEqual((round(revenue, 2), unattributed), (13000.0, 3000.0))
        # The period reaches crm_lead: it filters the lead scan itself (the
        # columns unqualified), in both branches, before any touch is read.
        query = Report._search([("date", ">=", WON - timedelta(days=1)), ("date", "<", WON + timedelta(days=1))])
        plan = "\n".join(row[0] for row in self.env.execute_query(SQL("EXPLAIN %s", query.select())))
        self.assertEqual(plan.count("(COALESCE(date_closed, date_last_stage_update) >= "), 2, plan)

    def test_won_date_without_closed_date(self):
        """A deal crm never closed (imported straight into a won stage) is won
        on the day it reached its stage, and editing it later does not move
        that date. No index of the addon reads write_date: every update of
        crm_lead (a rep's edit, PLS, the engines) stays eligible for
        PostgreSQL's HOT path instead of writing all the table's indexes."""
        deal = self._deal(4000, [(self.c1, 5)], [("lead", 10)], name="Imported deal")
        self.env.flush_all()
        # As an import writing the columns: won stage, no closed date.
        self.env.cr.execute(SQL("UPDATE crm_lead SET date_closed = NULL, date_last_stage_update = %s WHERE id = %s",
                                WON, deal.id))
        deal.invalidate_recordset(["date_closed", "date_last_stage_update"])
        deal.write({"description": "Signed after the trade show."})
        self.env.flush_all()
        rows = self.env["crm.attribution.report"].search([("lead_id", "=", deal.id), ("model", "=", "linear")])
        self.assertEqual(rows.mapped("date"), [WON])
        self.assertEqual(self._revenue(deal, "linear"), {self.c1: 4000})
        indexes = self.env.execute_query(SQL(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'crm_lead' AND indexdef ILIKE %s", "%write_date%"))
        self.assertEqual(indexes, [])

    def test_half_life_setting(self):
        deal = self._deal(3000, [(self.c1, 14), (self.c2, 0)], [("lead", 14)])
        # 14 days at a 14-day half-life: weights 1/2 and 1 -> 1/3, 2/3.
        self.company.attribution_half_life_days = 14
        self.assertEqual(self._revenue(deal, "time_decay"), {self.c1: 1000, self.c2: 2000})

    def test_settings_bad_input(self):
        with self.assertRaises(ValidationError):
            self.company.attribution_half_life_days = 0
        with self.assertRaises(ValidationError):
            self.company.attribution_lookback_days = -5
        with self.assertRaises(ValidationError):
            self.c1.cost = -1
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.attribution_model, "position_based")
        settings.attribution_model = "w_shaped"
        settings.execute()
        self.assertEqual(self.company.attribution_model, "w_shaped")

    # ------------------------------------------------------------
    # campaign economics
    # ------------------------------------------------------------

    def test_campaign_economics(self):
        self._deal_a()
        self.c1.invalidate_recordset()
        # Position-based: C1 gets 40 % of 10,000 for a cost of 1,000.
        self.assertAlmostEqual(self.c1.won_count, 0.4)
        self.assertAlmostEqual(self.c1.won_revenue, 4000.0)
        self.assertAlmostEqual(self.c1.roi, 3.0, msg="(4000 - 1000) / 1000")
        self.assertAlmostEqual(self.c1.cost_per_customer, 2500.0, msg="1000 / 0.4")
        self.assertEqual(self.c1.lead_count, 1)
        self.assertAlmostEqual(self.c1.cost_per_lead, 1000.0)
        # C3: 10 % of 10,000 for 500: ROI (1000 - 500) / 500 = 1.0
        self.assertAlmostEqual(self.c3.roi, 1.0)
        # No cost: no ROI, and no error.
        self.assertFalse(self.c2.roi_applicable)
        self.assertEqual(self.c2.roi, 0.0)
        self.assertAlmostEqual(self.c2.won_revenue, 5000.0)
        self.assertTrue(self.c1.roi_applicable)
        # C4's touch is outside the window: a touched lead, no revenue, ROI -100 %.
        self.assertEqual(self.c4.lead_count, 1)
        self.assertEqual(self.c4.won_count, 0.0)
        self.assertAlmostEqual(self.c4.roi, -1.0)
        # The company's model decides: first touch gives C1 the whole deal.
        self.company.attribution_model = "first_touch"
        self.c1.invalidate_recordset()
        self.assertAlmostEqual(self.c1.won_count, 1.0)
        self.assertAlmostEqual(self.c1.roi, 9.0)

    def test_campaign_funnel_counts(self):
        lead = self.env["crm.lead"].create({
            "name": "Funnel", "type": "lead", "campaign_id": self.c3.id, "user_id": self.user_rep.id,
            "team_id": self.team.id,
        })
        self.env["crm.lead"].create({"name": "Funnel 2", "type": "lead", "campaign_id": self.c3.id})
        lead.with_user(self.user_marketing).action_handoff_to_sales()
        lead.with_user(self.user_rep).action_accept_handoff()
        self.c3.invalidate_recordset()
        self.assertEqual((self.c3.lead_count, self.c3.mql_count, self.c3.sal_count), (2, 1, 1))
        self.assertAlmostEqual(self.c3.cost_per_lead, 250.0)

    def test_cost_currency_conversion(self):
        other = self.env["res.currency"].with_context(active_test=False).search(
            [("id", "!=", self.company.currency_id.id), ("name", "in", ["EUR", "USD", "CHF"])], limit=1)
        other.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", other.id)]).unlink()
        self.env["res.currency.rate"].create([
            {"currency_id": other.id, "name": "2025-01-01", "rate": 2.0, "company_id": self.company.id},
            {"currency_id": other.id, "name": "2025-06-01", "rate": 4.0, "company_id": self.company.id},
        ])
        company_rate = self.company.currency_id._get_rates(self.company, fields.Date.to_date("2025-03-01"))
        self.assertEqual(company_rate[self.company.currency_id.id], 1.0)
        campaign = self.env["utm.campaign"].create({
            "title": "Abroad", "cost": 1000.0, "cost_currency_id": other.id, "cost_date": "2025-03-01"})
        # 1,000 at 2 units per company unit on the entry date.
        self.assertAlmostEqual(campaign.cost_company_currency, 500.0)

    def test_revenue_of_another_company_currency(self):
        """Economics read across companies convert each deal's revenue (in its
        company's currency) to the current company's, at today's rate."""
        other = self.env["res.currency"].with_context(active_test=False).search(
            [("id", "!=", self.company.currency_id.id), ("name", "in", ["EUR", "USD", "CHF"])], limit=1)
        other.active = True
        self.env["res.currency.rate"].search([("currency_id", "in", (other | self.company.currency_id).ids)]).unlink()
        self.env["res.currency.rate"].create({
            "currency_id": other.id, "name": "2020-01-01", "rate": 4.0, "company_id": self.company.id})
        abroad = self.env["res.company"].create({
            "name": "Abroad Co", "currency_id": other.id, "attribution_model": "linear",
            "attribution_lookback_days": 30})
        deal = self.env["crm.lead"].create({
            "name": "Abroad deal", "type": "opportunity", "expected_revenue": 8000, "company_id": abroad.id,
            "company_size": "51_200"})
        self.Touchpoint.create([{"lead_id": deal.id, "campaign_id": campaign.id, "date": days_before(days),
                                 "origin": "api"} for campaign, days in ((self.c1, 10), (self.c2, 5))])
        deal.write({"stage_id": self.won_stage.id})
        deal.write({"date_closed": WON})
        home = self._deal(2000, [(self.c1, 3)], [("lead", 3)], name="Home deal")
        home.company_size = "11_50"
        self.env.flush_all()
        # The report keeps each deal in its company's currency, with its segment.
        rows = self.env["crm.attribution.report"].search([("lead_id", "=", deal.id), ("model", "=", "linear")])
        self.assertEqual(set(rows.mapped("currency_id")), {other})
        self.assertEqual(set(rows.mapped("revenue")), {4000.0})
        self.assertEqual(set(rows.mapped("company_size")), {"51_200"})
        groups = dict(self.env["crm.attribution.report"]._read_group(
            [("lead_id", "in", (deal | home).ids), ("model", "=", "linear")], ["company_size"], ["revenue:sum"]))
        self.assertEqual(groups, {"51_200": 8000.0, "11_50": 2000.0})
        # C1: 2,000 at home (position-based, one touch) + half of 8,000 abroad (linear) at 4 per unit.
        campaign = self.c1.with_context(allowed_company_ids=[self.company.id, abroad.id])
        self.assertAlmostEqual(campaign.won_revenue, 2000.0 + 4000.0 / 4)
        self.assertAlmostEqual(campaign.won_count, 1.5)

    # ------------------------------------------------------------
    # touchpoints: creation paths and carry-over
    # ------------------------------------------------------------

    def test_first_touchpoint_paths(self):
        Lead = self.env["crm.lead"]
        # API: an internal user through RPC.
        api_lead = Lead.with_user(self.user_rep).create({
            "name": "API", "campaign_id": self.c1.id, "user_id": self.user_rep.id})
        touch = api_lead.touchpoint_ids
        self.assertEqual((touch.origin, touch.campaign_id, touch.user_id), ("api", self.c1, self.user_rep))
        self.assertEqual(touch.company_id, api_lead.company_id)
        # Import.
        imported = Lead.with_context(import_file=True).create({"name": "Imported", "source_id": self.env.ref(
            "utm.utm_source_newsletter").id})
        self.assertEqual(imported.touchpoint_ids.origin, "import")
        # The form's save: a person, by hand.
        result = Lead.with_user(self.user_rep).web_save(
            {"name": "Form", "campaign_id": self.c2.id, "user_id": self.user_rep.id}, {"id": {}})
        self.assertEqual(Lead.browse(result[0]["id"]).touchpoint_ids.origin, "manual")
        # The mail gateway (a mailing reply carries the mailing's UTM values).
        mailed = Lead.message_new({"subject": "Re: offer", "from": "reply@example.com"},
                                  custom_values={"campaign_id": self.c3.id})
        self.assertEqual(mailed.touchpoint_ids.origin, "mailing")
        # Website forms create as the system for a visitor.
        public = self.env.ref("base.public_user")
        self.assertEqual(self.Touchpoint.with_user(public)._guess_origin(api_lead), "web_form")
        # No UTM value, no touchpoint.
        self.assertFalse(Lead.create({"name": "Plain"}).touchpoint_ids)
        self.assertEqual(api_lead.touchpoint_count, 1)
        self.assertEqual(api_lead.first_touch_campaign_id, self.c1)

    def test_recording_is_set_based(self):
        Lead = self.env["crm.lead"]

        def queries(count):
            leads = Lead.create([{"name": "Batch %s" % index, "campaign_id": self.c1.id,
                                  "email_from": "batch%s-%s@example.com" % (count, index)}
                                 for index in range(count)])
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Touchpoint._record_new_leads(leads)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        one, many = queries(1), queries(30)
        self.assertEqual(one, many, "recording touches costs the same queries for 1 or 30 leads")

    def test_existing_leads_at_install(self):
        lead = self.env["crm.lead"].create({"name": "Before install", "campaign_id": self.c2.id})
        plain = self.env["crm.lead"].create({"name": "No UTM"})
        lead.touchpoint_ids.unlink()
        self.Touchpoint._touchpoint_init_existing()
        self.assertEqual((lead.touchpoint_ids.origin, lead.touchpoint_ids.date, lead.touchpoint_ids.campaign_id),
                         ("api", lead.create_date, self.c2))
        self.assertEqual(lead.first_touch_campaign_id, self.c2)
        self.assertFalse(plain.touchpoint_ids)
        self.Touchpoint._touchpoint_init_existing()
        self.assertEqual(lead.touchpoint_count, 1, "run twice, recorded once")

    def test_manual_change_adds_touch(self):
        lead = self.env["crm.lead"].create({
            "name": "Relabel", "campaign_id": self.c1.id, "user_id": self.user_rep.id})
        first = lead.touchpoint_ids
        lead.with_user(self.user_rep).write({"campaign_id": self.c2.id})
        self.assertEqual(lead.touchpoint_count, 2)
        new = lead.touchpoint_ids - first
        self.assertEqual((new.origin, new.campaign_id, new.user_id), ("manual", self.c2, self.user_rep))
        self.assertEqual(first.campaign_id, self.c1, "history is never rewritten")
        self.assertEqual((lead.first_touch_campaign_id, lead.last_touch_campaign_id), (self.c1, self.c2))
        # The system (jobs, sudo) writing the same value adds nothing.
        lead.write({"campaign_id": self.c3.id})
        lead.with_user(self.user_rep).write({"campaign_id": self.c3.id, "name": "Same"})
        self.assertEqual(lead.touchpoint_count, 2)

    def test_second_inquiry_and_merge(self):
        Lead = self.env["crm.lead"]
        first = Lead.create({"name": "Ada", "type": "lead", "email_from": "Ada <ada@example.com>",
                             "campaign_id": self.c1.id})
        second = Lead.create({"name": "Ada again", "type": "lead", "email_from": "ada@example.com",
                              "campaign_id": self.c2.id})
        self.assertEqual(first.touchpoint_ids.campaign_id, self.c1 | self.c2,
                         "the later inquiry's touch counts on the open lead")
        self.assertEqual(first.last_touch_campaign_id, self.c2)
        self.assertEqual(second.touchpoint_ids.campaign_id, self.c2)
        # Duplicating a lead in the CRM is no new inquiry of the person.
        duplicate = second.copy()
        self.assertEqual(duplicate.touchpoint_ids.campaign_id, self.c2)
        self.assertEqual(first.touchpoint_count, 2)
        duplicate.unlink()
        # Won leads are not open: a new inquiry after a win starts afresh.
        merged = (first | second).with_user(self.user_sales_manager).merge_opportunity()
        self.assertTrue(merged.exists())
        self.assertEqual(merged.touchpoint_count, 2, "the second inquiry counts once after the merge")
        self.assertEqual(sorted(merged.touchpoint_ids.mapped("origin")), ["api", "api"],
                         "merging records no manual touch")
        self.assertEqual((merged.first_touch_campaign_id, merged.last_touch_campaign_id), (self.c1, self.c2))

    def test_merge_keeps_every_touch(self):
        Lead = self.env["crm.lead"]
        head = Lead.create({"name": "Bo", "type": "opportunity", "partner_id": self.user_rep_other.partner_id.id,
                            "expected_revenue": 10})
        tail = Lead.create({"name": "Bo (other)", "type": "lead", "email_from": "other@example.com",
                            "campaign_id": self.c3.id})
        self.Touchpoint.create({"lead_id": head.id, "campaign_id": self.c4.id, "date": days_before(2)})
        merged = (head | tail).with_user(self.user_sales_manager).merge_opportunity()
        self.assertEqual(merged.touchpoint_ids.campaign_id, self.c3 | self.c4)
        self.assertFalse(tail.exists())
        self.assertEqual(merged.first_touch_campaign_id, self.c4)

    def test_conversion_keeps_touches(self):
        lead = self.env["crm.lead"].create({
            "name": "Convert me", "type": "lead", "campaign_id": self.c1.id, "user_id": self.user_rep.id,
            "team_id": self.team.id})
        touches = lead.touchpoint_ids
        wizard = self.env["crm.lead2opportunity.partner"].with_user(self.user_rep).with_context(
            active_model="crm.lead", active_id=lead.id, active_ids=lead.ids,
        ).create({"name": "convert", "action": "create"})
        opportunity = wizard.action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.touchpoint_ids, touches)
        self.assertEqual(lead.first_touch_campaign_id, self.c1)
        self.assertTrue(opportunity)

    # ------------------------------------------------------------
    # rights and bad input
    # ------------------------------------------------------------

    def test_rights_per_role(self):
        own = self.env["crm.lead"].create({"name": "Own", "campaign_id": self.c1.id, "user_id": self.user_rep.id})
        other = self.env["crm.lead"].create({
            "name": "Other", "campaign_id": self.c1.id, "user_id": self.user_rep_other.id})
        Touchpoint = self.Touchpoint.with_user(self.user_rep)
        self.assertEqual(Touchpoint.search([("lead_id", "in", (own | other).ids)]).lead_id, own)
        self.assertEqual(own.with_user(self.user_rep).touchpoint_count, 1)
        touch = own.touchpoint_ids.with_user(self.user_rep)
        with self.assertRaises(AccessError):
            touch.write({"campaign_id": self.c2.id})
        with self.assertRaises(AccessError):
            touch.unlink()
        with self.assertRaises(AccessError):
            Touchpoint.create({"lead_id": own.id, "campaign_id": self.c2.id})
        with self.assertRaises(AccessError):
            self.c1.with_user(self.user_rep).read(["roi"])
        # Marketing corrects, and the lead's chatter keeps what was there.
        messages = own.message_ids
        touch.with_user(self.user_marketing).write({"campaign_id": self.c2.id})
        note = own.message_ids - messages
        self.assertEqual(len(note), 1)
        self.assertIn("Attr C1", note.body)
        added = self.Touchpoint.with_user(self.user_marketing).create({
            "lead_id": own.id, "campaign_id": self.c3.id, "date": fields.Datetime.now() - timedelta(days=1)})
        self.assertEqual(added.user_id, self.user_marketing)
        added.with_user(self.user_marketing).unlink()
        self.assertEqual(len(own.message_ids - messages), 3)
        self.assertGreater(self.c1.with_user(self.user_marketing).lead_count, 0)

    def test_bad_touchpoints(self):
        lead = self.env["crm.lead"].create({"name": "Bad", "user_id": self.user_rep.id})
        with self.assertRaisesRegex(ValidationError, "in the future"):
            self.Touchpoint.with_user(self.user_marketing).create({
                "lead_id": lead.id, "campaign_id": self.c1.id,
                "date": fields.Datetime.now() + timedelta(days=2)})
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["crm.lead"].create({"name": "Foreign", "company_id": other_company.id})
        with self.assertRaisesRegex(ValidationError, "company"):
            self.Touchpoint.with_user(self.user_marketing).create({
                "lead_id": foreign.id, "campaign_id": self.c1.id})
        with self.assertRaisesRegex(ValidationError, "same company"):
            self.Touchpoint.create({"lead_id": lead.id, "company_id": other_company.id})
        # Another company's touchpoints are invisible to this company's users.
        self.Touchpoint.create({"lead_id": foreign.id, "campaign_id": self.c1.id})
        self.assertFalse(self.Touchpoint.with_user(self.user_marketing).search([("lead_id", "=", foreign.id)]))

    def test_campaign_with_history_is_archived_not_deleted(self):
        lead = self.env["crm.lead"].create({"name": "Kept", "campaign_id": self.c4.id})
        with self.assertRaisesRegex(UserError, "archive it"):
            self.c4.unlink()
        self.c4.action_archive()
        self.assertEqual(lead.touchpoint_ids.campaign_id, self.c4)
        self.assertEqual(lead.first_touch_campaign_id, self.c4)
