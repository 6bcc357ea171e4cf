# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.constants import BUYING_ROLES, COMPANY_SIZES, LIFECYCLE_STAGES

OUTCOMES = [("won", "Won"), ("lost", "Lost"), ("open", "Open")]


class CrmAlignmentDealReport(models.Model):
    """Deals with and without each key message or content item, for the lift
    by segment and stage: one row per (item, deal) for the deals where the
    item was used and for the comparable deals where it was not (same
    company, the item's segment, created in the calendar months of the deals
    where it was used), as the items' lift fields count them."""

    _name = "crm.alignment.deal.report"
    _description = "Deals With and Without a Message or Content Item"
    _auto = False
    _rec_name = "lead_id"

    message_id = fields.Many2one("crm.message", string="Key Message", readonly=True)
    content_id = fields.Many2one("crm.content", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    used = fields.Boolean(readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    industry_id = fields.Many2one("res.partner.industry", readonly=True)
    buying_role = fields.Selection(BUYING_ROLES, readonly=True)
    company_size = fields.Selection(COMPANY_SIZES, readonly=True)
    date = fields.Datetime("Deal Created", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    deal_count = fields.Integer("Deals", readonly=True)
    won_rate = fields.Float(
        aggregator="avg", readonly=True,
        help="Won / closed deals (%); open deals count for nothing.")
    won_revenue = fields.Float(readonly=True, help="Expected revenue of the won deals.")

    def _item_deals(self, table, usage):
        """(item_id, lead_id, used) for one kind of item: the deals where it
        was used (``usage`` selects item_id, lead_id), and the comparable deals
        where it was not (same company and segment, created in the months of
        its use). The one definition of "comparable", shared with the lift on
        the items (crm.alignment.effectiveness.mixin)."""
        return SQL("""
            WITH usage AS (%(usage)s),
                 used_deals AS (SELECT DISTINCT item_id, lead_id FROM usage),
                 items AS (
                    SELECT i.id, i.company_id, i.industry_id, i.buying_role, i.company_size,
                           date_trunc('month', MIN(l.create_date)) AS date_from,
                           date_trunc('month', MAX(l.create_date)) + interval '1 month' AS date_to
                      FROM %(table)s AS i
                      JOIN used_deals AS d ON d.item_id = i.id
                      JOIN crm_lead AS l ON l.id = d.lead_id
                  GROUP BY i.id
                 )
            SELECT item_id, lead_id, TRUE AS used FROM used_deals
             UNION ALL
            SELECT i.id, l.id, FALSE
              FROM items AS i
              JOIN crm_lead AS l
                ON l.company_id = i.company_id
               AND l.create_date >= i.date_from AND l.create_date < i.date_to
               AND (i.industry_id IS NULL OR l.industry_id = i.industry_id)
               AND (i.buying_role IS NULL OR l.buying_role = i.buying_role)
               AND (i.company_size IS NULL OR l.company_size = i.company_size)
             WHERE NOT EXISTS (SELECT 1 FROM used_deals AS d WHERE d.item_id = i.id AND d.lead_id = l.id)
        """, usage=usage, table=SQL.identifier(table))

    def _query(self):
        won, lost = self.env["crm.alignment.effectiveness.mixin"]._effectiveness_lead_states()
        messages = self._item_deals(
            "crm_message", SQL("SELECT message_id AS item_id, lead_id FROM crm_message_use"))
        contents = self._item_deals("crm_content", SQL("""
            SELECT content_id AS item_id, lead_id FROM crm_content_share
             UNION ALL
            SELECT content_id AS item_id, lead_id FROM crm_content_access WHERE lead_id IS NOT NULL
        """))
        return SQL("""
            SELECT ROW_NUMBER() OVER (ORDER BY d.kind, d.item_id, d.lead_id) AS id,
                   CASE WHEN d.kind = 'message' THEN d.item_id END AS message_id,
                   CASE WHEN d.kind = 'content' THEN d.item_id END AS content_id,
                   d.lead_id,
                   d.used,
                   CASE WHEN %(won)s THEN 'won' WHEN %(lost)s THEN 'lost' ELSE 'open' END AS outcome,
                   l.lifecycle_stage,
                   l.industry_id,
                   l.buying_role,
                   l.company_size,
                   l.create_date AS date,
                   l.company_id,
                   1 AS deal_count,
                   CASE WHEN %(won)s THEN 100.0 WHEN %(lost)s THEN 0.0 END AS won_rate,
                   CASE WHEN %(won)s THEN l.expected_revenue ELSE 0 END AS won_revenue
              FROM (SELECT 'message' AS kind, * FROM (%(messages)s) AS m
                     UNION ALL
                    SELECT 'content' AS kind, * FROM (%(contents)s) AS c) AS d
              JOIN crm_lead AS l ON l.id = d.lead_id
         LEFT JOIN crm_stage AS st ON st.id = l.stage_id
        """, won=won, lost=lost, messages=messages, contents=contents)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
