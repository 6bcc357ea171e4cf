# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

# Who sees campaign economics: marketing (and alignment managers) and sales managers.
ECONOMICS_GROUPS = "sales_marketing_alignment.group_alignment_marketing,sales_team.group_sale_manager"


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    # Campaign economics: core utm.campaign has no cost, and ROI on revenue
    # (MISSION.md) needs one. Only marketing sees and edits it.
    cost = fields.Monetary(
        currency_field="cost_currency_id",
        groups="sales_marketing_alignment.group_alignment_marketing",
        help="Total money spent on this campaign (media, events, agencies). "
        "Used for cost per customer and ROI on revenue.",
    )
    # Its own field, not currency_id: the Sales app defines utm.campaign's
    # currency_id as the company's (related, read-only) for its own amounts.
    cost_currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        required=True,
    )

    cost_date = fields.Date(
        default=fields.Date.context_today,
        groups="sales_marketing_alignment.group_alignment_marketing",
        help="When the cost was entered: a cost in another currency is converted at this date's rate.")

    # Campaign-to-cash economics under the company's attribution model
    # (Settings), in the current company's currency. Leads, MQLs and SALs
    # count the leads with a touchpoint of the campaign; won deals and
    # revenue are credited (a deal shared by campaigns counts in part).
    economics_currency_id = fields.Many2one("res.currency", compute="_compute_cost_company_currency")
    cost_company_currency = fields.Monetary(
        "Cost (Company Currency)", compute="_compute_cost_company_currency", currency_field="economics_currency_id",
        groups=ECONOMICS_GROUPS)
    lead_count = fields.Integer(
        "Touched Leads", compute="_compute_economics", groups=ECONOMICS_GROUPS,
        help="Leads and opportunities (inquiries included, lost ones too) with a touchpoint of this campaign.")
    mql_count = fields.Integer(
        "MQLs", compute="_compute_economics", groups=ECONOMICS_GROUPS,
        help="Touched leads that were handed off to sales at least once.")
    sal_count = fields.Integer(
        "SALs", compute="_compute_economics", groups=ECONOMICS_GROUPS,
        help="Touched leads that a rep accepted at least once.")
    won_count = fields.Float(
        "Won Deals (Credited)", compute="_compute_economics", groups=ECONOMICS_GROUPS, digits=(16, 2),
        help="Won deals credited to this campaign under the company's attribution model: a deal "
        "shared with other campaigns counts in part.")
    won_revenue = fields.Monetary(
        "Attributed Revenue", compute="_compute_economics", currency_field="economics_currency_id",
        groups=ECONOMICS_GROUPS,
        help="Won revenue credited to this campaign under the company's attribution model.")
    cost_per_lead = fields.Monetary(
        compute="_compute_economics", currency_field="economics_currency_id", groups=ECONOMICS_GROUPS)
    cost_per_customer = fields.Monetary(
        "Cost per Customer", compute="_compute_economics", currency_field="economics_currency_id",
        groups=ECONOMICS_GROUPS, help="Market-entry cost: cost / won deals credited to the campaign.")
    roi = fields.Float(
        "ROI", compute="_compute_economics", groups=ECONOMICS_GROUPS, digits=(16, 4),
        help="(Attributed revenue - cost) / cost: 1.5 is 150 %. Not applicable without a cost.")
    roi_applicable = fields.Boolean(compute="_compute_economics", groups=ECONOMICS_GROUPS)

    feedback_count = fields.Integer(
        compute="_compute_feedback_count", groups="sales_team.group_sale_salesman",
        help="Leads of this campaign that sales closed or returned to nurture with a reason.",
    )

    sla_compliance_rate = fields.Float(
        "Follow-up On Time (%)", compute="_compute_sla_compliance_rate", groups="sales_team.group_sale_salesman",
        help="Share of this campaign's leads that sales followed up within the SLA.")

    @api.depends("cost", "cost_currency_id", "cost_date")
    @api.depends_context("company", "allowed_company_ids")
    def _compute_cost_company_currency(self):
        # Its own compute: the dashboard reads costs without the economics
        # (which credit every won deal of all time).
        company = self.env.company
        currency = company.currency_id
        for campaign in self:
            sudo_campaign = campaign.sudo()
            campaign.economics_currency_id = currency
            campaign.cost_company_currency = sudo_campaign.cost_currency_id._convert(
                sudo_campaign.cost, currency, company, sudo_campaign.cost_date or fields.Date.context_today(self),
            ) if sudo_campaign.cost_currency_id else sudo_campaign.cost

    @api.depends_context("company", "allowed_company_ids")
    def _compute_economics(self):
        counts, credited = self._economics_counts(), self._economics_credit()
        for campaign in self:
            cost = campaign.sudo().cost_company_currency
            leads, mqls, sals = counts.get(campaign.id, (0, 0, 0))
            won, revenue = credited.get(campaign.id, (0.0, 0.0))
            campaign.lead_count = leads
            campaign.mql_count = mqls
            campaign.sal_count = sals
            campaign.won_count = won
            campaign.won_revenue = revenue
            campaign.cost_per_lead = cost / leads if leads else 0.0
            campaign.cost_per_customer = cost / won if won else 0.0
            # No cost, no return on it: not applicable rather than infinite.
            campaign.roi_applicable = bool(cost)
            campaign.roi = (revenue - cost) / cost if cost else 0.0

    def _economics_counts(self):
        """{campaign id: (touched leads, of which handed off, of which accepted)}
        in the allowed companies, one query for all campaigns."""
        ids = [cid for cid in self.ids if isinstance(cid, int)]
        if not ids:
            return {}
        self.env["crm.touchpoint"].flush_model()
        self.env["crm.lead.lifecycle.history"].flush_model()
        self.env.cr.execute(SQL("""
            SELECT t.campaign_id,
                   COUNT(DISTINCT t.lead_id),
                   COUNT(DISTINCT h.lead_id) FILTER (WHERE h.to_stage = 'mql'),
                   COUNT(DISTINCT h.lead_id) FILTER (WHERE h.to_stage = 'sal')
              FROM crm_touchpoint AS t
         LEFT JOIN crm_lead_lifecycle_history AS h
                ON h.lead_id = t.lead_id AND h.to_stage IN ('mql', 'sal')
             WHERE t.campaign_id IN %s AND (t.company_id IS NULL OR t.company_id IN %s)
          GROUP BY t.campaign_id
        """, tuple(ids), tuple(self.env.companies.ids)))
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _economics_credit(self):
        """{campaign id: (credited won deals, attributed revenue)} under each
        deal's company model, in the allowed companies."""
        sums = self._economics_attributed(["credit", "revenue"])
        return {campaign_id: (amounts["credit"], amounts["revenue"]) for campaign_id, amounts in sums.items()}

    def _economics_attributed(self, measures):
        """{campaign id: {measure: sum}} of crm.attribution.report measures
        under each deal's company model, in the allowed companies, one query
        for all campaigns. Monetary measures (the report's amounts are in each
        deal's company currency) are converted to the current company's
        currency at today's rate; ``credit`` is a count. Addons crediting
        other amounts (the Sales bridge) read them here."""
        ids = [cid for cid in self.ids if isinstance(cid, int)]
        if not ids:
            return {}
        # The report is a view over these models: write pending changes first.
        for model in self._economics_flush_models():
            self.env[model].flush_model()
        Report = self.env["crm.attribution.report"].sudo()
        groups = Report._read_group(
            [("campaign_id", "in", ids), ("is_company_model", "=", True),
             "|", ("company_id", "=", False), ("company_id", "in", self.env.companies.ids)],
            ["campaign_id", "currency_id"], ["%s:sum" % measure for measure in measures])
        company = self.env.company
        today = fields.Date.context_today(self)
        result = {}
        for campaign, currency, *sums in groups:
            amounts = result.setdefault(campaign.id, dict.fromkeys(measures, 0.0))
            for measure, amount in zip(measures, sums):
                amount = amount or 0.0
                if Report._fields[measure].type == "monetary" and currency and currency != company.currency_id:
                    amount = currency._convert(amount, company.currency_id, company, today)
                amounts[measure] += amount
        return result

    def _economics_flush_models(self):
        """The models crm.attribution.report reads (an addon adding columns adds its models)."""
        return ["crm.lead", "crm.touchpoint", "crm.lead.lifecycle.history", "res.company"]

    def _compute_sla_compliance_rate(self):
        rates = dict(self.env["crm.sla.report"]._read_group(
            [("campaign_id", "in", self.ids)], ["campaign_id"], ["on_time_rate:avg"]))
        for campaign in self:
            campaign.sla_compliance_rate = rates.get(campaign) or 0.0

    def _compute_feedback_count(self):
        counts = dict(self.env["crm.feedback.report"]._read_group(
            [("campaign_id", "in", self.ids)], ["campaign_id"], ["__count"]))
        for campaign in self:
            campaign.feedback_count = counts.get(campaign, 0)

    def action_open_feedback(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_marketing_alignment.crm_feedback_report_action")
        action["domain"] = [("campaign_id", "in", self.ids)]
        action["context"] = {"search_default_group_reason": 1}
        return action

    @api.ondelete(at_uninstall=False)
    def _unlink_except_touchpoints(self):
        # Touchpoints are lead history: a campaign that has some is archived, never deleted.
        used = self.env["crm.touchpoint"].sudo().search([("campaign_id", "in", self.ids)], limit=1)
        if used:
            raise UserError(_(
                "Campaign \"%(campaign)s\" is in the touchpoint history of leads: archive it instead "
                "of deleting it, so their attribution stays.", campaign=used.campaign_id.title))

    @api.constrains("cost")
    def _check_cost(self):
        for campaign in self.sudo():
            if campaign.cost < 0:
                raise ValidationError(_(
                    "The cost of campaign \"%(campaign)s\" cannot be negative: "
                    "enter what was spent, or 0.", campaign=campaign.title,
                ))
