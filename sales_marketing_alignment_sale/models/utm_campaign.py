# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from odoo.addons.sales_marketing_alignment.models.utm_campaign import ECONOMICS_GROUPS


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    # Campaign to cash on the Sales app's numbers, beside the expected
    # revenue of the main addon: the same credit (company's attribution
    # model) applied to the won deals' confirmed orders and invoices.
    confirmed_revenue = fields.Monetary(
        "Attributed Confirmed Revenue", compute="_compute_sale_economics",
        currency_field="economics_currency_id", groups=ECONOMICS_GROUPS,
        help="Untaxed confirmed sales orders of the won deals, credited to this campaign under the "
        "company's attribution model.")
    invoiced_revenue = fields.Monetary(
        "Attributed Invoiced Revenue", compute="_compute_sale_economics",
        currency_field="economics_currency_id", groups=ECONOMICS_GROUPS,
        help="Posted customer invoices of those orders net of posted credit notes (untaxed), "
        "credited to this campaign under the company's attribution model.")
    roi_confirmed = fields.Float(
        "ROI on Confirmed Revenue", compute="_compute_sale_economics", groups=ECONOMICS_GROUPS,
        digits=(16, 4), help="(Attributed confirmed revenue - cost) / cost. Not applicable without a cost.")
    roi_invoiced = fields.Float(
        "ROI on Invoiced Revenue", compute="_compute_sale_economics", groups=ECONOMICS_GROUPS,
        digits=(16, 4), help="(Attributed invoiced revenue - cost) / cost. Not applicable without a cost.")

    @api.depends_context("company", "allowed_company_ids")
    def _compute_sale_economics(self):
        credited = self._economics_attributed(["confirmed_revenue", "invoiced_revenue"])
        for campaign in self:
            amounts = credited.get(campaign.id, {})
            confirmed = amounts.get("confirmed_revenue", 0.0)
            invoiced = amounts.get("invoiced_revenue", 0.0)
            # Cost in company currency, as the main economics convert it.
            cost = campaign.sudo().cost_company_currency
            campaign.confirmed_revenue = confirmed
            campaign.invoiced_revenue = invoiced
            campaign.roi_confirmed = (confirmed - cost) / cost if cost else 0.0
            campaign.roi_invoiced = (invoiced - cost) / cost if cost else 0.0

    def _economics_flush_models(self):
        return super()._economics_flush_models() + ["sale.order", "sale.order.line", "account.move",
                                                    "account.move.line"]
