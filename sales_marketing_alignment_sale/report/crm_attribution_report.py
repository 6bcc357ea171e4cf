# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


class CrmAttributionReport(models.Model):
    """Confirmed and invoiced revenue of each won deal, credited to its
    campaigns with the same shares as its expected revenue. Both are
    untaxed and in the deal's company currency."""

    _inherit = "crm.attribution.report"

    confirmed_revenue = fields.Monetary(
        "Attributed Confirmed Revenue", readonly=True, currency_field="currency_id",
        help="Untaxed total of the deal's confirmed sales orders (converted at each order's date) "
        "times the credit.")
    invoiced_revenue = fields.Monetary(
        "Attributed Invoiced Revenue", readonly=True, currency_field="currency_id",
        help="Posted customer invoices of the deal's confirmed sales orders net of posted credit "
        "notes, untaxed, converted at each invoice's date, times the credit.")
    unattributed_confirmed_revenue = fields.Monetary(
        readonly=True, currency_field="currency_id",
        help="Confirmed revenue of won deals with no touchpoint in the look-back window.")
    unattributed_invoiced_revenue = fields.Monetary(
        readonly=True, currency_field="currency_id",
        help="Invoiced revenue of won deals with no touchpoint in the look-back window.")

    def _won_select(self):
        return SQL("""%s,
                       COALESCE(confirmed.amount, 0)::double precision AS deal_confirmed_revenue,
                       COALESCE(invoiced.amount, 0)::double precision AS deal_invoiced_revenue
        """, super()._won_select())

    def _won_from(self):
        # Orders: amount_untaxed is in the order's currency; sale.order stores
        # currency_rate (order currency per company currency at the order
        # date), which sale.report divides by too. Invoices: the journal
        # items' balance is already in company currency at the invoice date,
        # negative on a customer invoice's income lines and positive on a
        # credit note's, so minus its sum nets the credit notes out. A credit
        # note made by reversing an invoice keeps the links to the order
        # lines (sale's _copy_data_extend_business_fields).
        return SQL("""%s
             LEFT JOIN LATERAL (
                    SELECT SUM(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0)) AS amount
                      FROM sale_order AS so
                     WHERE so.opportunity_id = l.id AND so.state = 'sale'
             ) AS confirmed ON TRUE
             LEFT JOIN LATERAL (
                    SELECT -SUM(aml.balance) AS amount
                      FROM account_move_line AS aml
                      JOIN account_move AS am ON am.id = aml.move_id
                     WHERE am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')
                       AND aml.id IN (
                           SELECT rel.invoice_line_id
                             FROM sale_order_line_invoice_rel AS rel
                             JOIN sale_order_line AS sol ON sol.id = rel.order_line_id
                             JOIN sale_order AS so ON so.id = sol.order_id
                            WHERE so.opportunity_id = l.id AND so.state = 'sale')
             ) AS invoiced ON TRUE
        """, super()._won_from())

    def _select(self):
        return SQL("""%s,
                   credit.share * t.deal_confirmed_revenue AS confirmed_revenue,
                   credit.share * t.deal_invoiced_revenue AS invoiced_revenue,
                   0.0::double precision AS unattributed_confirmed_revenue,
                   0.0::double precision AS unattributed_invoiced_revenue
        """, super()._select())

    def _select_unattributed(self):
        return SQL("""%s,
                   w.deal_confirmed_revenue AS confirmed_revenue,
                   w.deal_invoiced_revenue AS invoiced_revenue,
                   w.deal_confirmed_revenue AS unattributed_confirmed_revenue,
                   w.deal_invoiced_revenue AS unattributed_invoiced_revenue
        """, super()._select_unattributed())
