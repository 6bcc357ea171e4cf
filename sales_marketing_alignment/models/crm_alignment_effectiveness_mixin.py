# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.constants import BUYING_ROLES, COMPANY_SIZES

STATS_GROUPS = "sales_marketing_alignment.group_alignment_marketing,sales_team.group_sale_manager"


class CrmAlignmentEffectivenessMixin(models.AbstractModel):
    """What messages and content items share: segments (empty means any) and
    their effect on deals, the lift of the mission's metric definitions: won
    rate of the deals where the item was used / won rate of comparable deals
    where it was not (same company, same segment, created in the same calendar
    months as the deals where it was used). A won rate is won deals / closed
    (won or lost) deals."""

    _name = "crm.alignment.effectiveness.mixin"
    _description = "Message and Content Effectiveness"

    # Segments the item is written for; empty means every segment.
    industry_id = fields.Many2one("res.partner.industry", index="btree_not_null")
    buying_role = fields.Selection(BUYING_ROLES)
    company_size = fields.Selection(COMPANY_SIZES)
    # Effect on deals (computed for all records at once, one query)
    lead_count = fields.Integer("Deals Used In", compute="_compute_effectiveness", groups=STATS_GROUPS)
    won_rate_used = fields.Float(
        "Won Rate (Used)", compute="_compute_effectiveness", groups=STATS_GROUPS, digits=(16, 1),
        help="Won deals / closed deals, among the deals where it was used (%).")
    won_rate_unused = fields.Float(
        "Won Rate (Not Used)", compute="_compute_effectiveness", groups=STATS_GROUPS, digits=(16, 1),
        help="Won deals / closed deals, among comparable deals where it was not used: same company, "
        "same segment, created in the same months (%).")
    lift = fields.Float(
        compute="_compute_effectiveness", groups=STATS_GROUPS, digits=(16, 2),
        help="Won rate where used / won rate of comparable deals where not used; "
        "0 while either rate is unknown or the comparable rate is 0.")
    won_revenue_used = fields.Monetary(
        "Won Revenue (Used)", compute="_compute_effectiveness", groups=STATS_GROUPS,
        currency_field="company_currency_id")
    avg_revenue_used = fields.Monetary(
        "Average Won Deal (Used)", compute="_compute_effectiveness", groups=STATS_GROUPS,
        currency_field="company_currency_id")
    avg_revenue_unused = fields.Monetary(
        "Average Won Deal (Not Used)", compute="_compute_effectiveness", groups=STATS_GROUPS,
        currency_field="company_currency_id")
    # Every item belongs to one company (revenue in its currency).
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    company_currency_id = fields.Many2one(related="company_id.currency_id")

    def _compute_effectiveness(self):
        stats = self._effectiveness_stats()
        for item in self:
            used = stats.get((item.id, True), {})
            unused = stats.get((item.id, False), {})
            rate_used = 100.0 * used["won"] / used["closed"] if used.get("closed") else 0.0
            rate_unused = 100.0 * unused["won"] / unused["closed"] if unused.get("closed") else 0.0
            item.lead_count = used.get("deals", 0)
            item.won_rate_used = rate_used
            item.won_rate_unused = rate_unused
            item.lift = rate_used / rate_unused if used.get("closed") and rate_unused else 0.0
            item.won_revenue_used = used.get("won_revenue", 0.0)
            item.avg_revenue_used = used["won_revenue"] / used["won"] if used.get("won") else 0.0
            item.avg_revenue_unused = unused["won_revenue"] / unused["won"] if unused.get("won") else 0.0

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _effectiveness_usage(self):
        """SQL selecting (item_id, lead_id, date) for every use of the items
        ``self`` in a deal; each model says what "used" means."""
        raise NotImplementedError()

    @api.model
    def _effectiveness_lead_states(self):
        """SQL expressions (won, lost) on crm_lead ``l`` and crm_stage ``st``:
        Odoo's own won (active, in a won stage) and lost (archived at 0%)."""
        return (SQL("(l.active AND COALESCE(st.is_won, FALSE))"),
                SQL("(NOT l.active AND l.probability = 0)"))

    def _effectiveness_stats(self):
        """{(item_id, used): {deals, won, closed, won_revenue}} for the
        records of ``self``, in one query whatever their number."""
        ids = [item_id for item_id in self.ids if item_id]
        if not ids:
            return {}
        self.env.flush_all()
        won, lost = self._effectiveness_lead_states()
        # One set-based query: the ORM would read every comparable deal. The
        # deals with and without an item are the deal report's, so that the
        # figures on the item and the report agree by construction.
        deals = self.env["crm.alignment.deal.report"]._item_deals(self._table, self._effectiveness_usage())
        self.env.cr.execute(SQL("""
            SELECT d.item_id, d.used, COUNT(*),
                   COUNT(*) FILTER (WHERE %(won)s),
                   COUNT(*) FILTER (WHERE %(won)s OR %(lost)s),
                   COALESCE(SUM(l.expected_revenue) FILTER (WHERE %(won)s), 0)
              FROM (%(deals)s) AS d
              JOIN crm_lead AS l ON l.id = d.lead_id
         LEFT JOIN crm_stage AS st ON st.id = l.stage_id
          GROUP BY d.item_id, d.used
        """, deals=deals, won=won, lost=lost))
        return {
            (item_id, used): {"deals": deals, "won": won_count, "closed": closed, "won_revenue": revenue}
            for item_id, used, deals, won_count, closed, revenue in self.env.cr.fetchall()
        }
