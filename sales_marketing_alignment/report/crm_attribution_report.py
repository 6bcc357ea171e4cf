# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.constants import (
    ATTRIBUTION_MODELS,
    COMPANY_SIZES,
    LEAD_MILESTONE_STAGES,
    OPPORTUNITY_MILESTONE_STAGES,
    TOUCHPOINT_ORIGINS,
)

# Used when a lead has no company (the fields' defaults on res.company).
DEFAULT_LOOKBACK_DAYS = 90
DEFAULT_HALF_LIFE_DAYS = 7.0
DEFAULT_MODEL = "position_based"


class CrmAttributionReport(models.Model):
    """Campaign-to-cash: one row per won deal x touchpoint x attribution
    model, with the touchpoint's share of the deal (``credit``, the shares of
    one deal under one model add up to 1) and its share of the revenue.
    Only touchpoints inside the company's look-back window before the win
    count; a won deal with none gives one row per model without campaign,
    credit 1 and its whole revenue as ``unattributed_revenue``. Credit is
    computed here, in SQL, with window functions over the touchpoints."""

    _name = "crm.attribution.report"
    _description = "Campaign Attribution Analysis"
    _auto = False
    _order = "date desc, lead_id, touch_date"
    _rec_name = "campaign_id"

    model = fields.Selection(ATTRIBUTION_MODELS, string="Attribution Model", readonly=True)
    is_company_model = fields.Boolean(
        "Company's Model", readonly=True,
        help="The model chosen in Settings for the deal's company (used by campaign economics).")
    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    touchpoint_id = fields.Many2one("crm.touchpoint", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    origin = fields.Selection(TOUCHPOINT_ORIGINS, readonly=True)
    touch_date = fields.Datetime(readonly=True)
    date = fields.Datetime("Won On", readonly=True)
    attributed = fields.Boolean(readonly=True, help="The deal has touchpoints in the look-back window.")
    credit = fields.Float(
        "Credited Deals", readonly=True, digits=(16, 4),
        help="The touchpoint's share of the deal (0 to 1); summed, the deals credited to a campaign.")
    revenue = fields.Monetary(
        "Attributed Revenue", readonly=True, currency_field="currency_id",
        help="The deal's revenue times the credit; unattributed deals count their whole revenue.")
    unattributed_revenue = fields.Monetary(
        readonly=True, currency_field="currency_id",
        help="Won revenue of deals with no touchpoint in the look-back window.")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", readonly=True)
    company_size = fields.Selection(COMPANY_SIZES, readonly=True)

    # Extension point: the won deals (CTE ``won``), one row per deal, are
    # built by _won_select / _won_from / _won_where, as crm.activity.report
    # splits its query. An addon adds a deal-level amount there (e.g. the
    # Sales bridge's confirmed and invoiced revenue, see
    # sales_marketing_alignment_sale) and credits it in _select and
    # _select_unattributed: every column of ``won`` reaches ``touches`` (t.*)
    # and the unattributed rows (w.*), so the credit SQL is never copied.

    def _won_select(self):
        """Columns of a won deal (l: crm_lead, c: its res_company). Revenue in the company's currency."""
        return SQL("""
                SELECT l.id AS lead_id,
                       l.company_id, l.team_id, l.user_id, l.country_id, l.industry_id, l.company_size,
                       c.currency_id,
                       COALESCE(l.expected_revenue, 0)::double precision AS deal_revenue,
                       COALESCE(l.date_closed, l.write_date) AS date_won,
                       COALESCE(c.attribution_lookback_days, %(lookback)s) AS lookback_days,
                       COALESCE(c.attribution_half_life_days, %(half_life)s) AS half_life_days,
                       COALESCE(c.attribution_model, %(model)s) AS company_model
        """, lookback=DEFAULT_LOOKBACK_DAYS, half_life=DEFAULT_HALF_LIFE_DAYS, model=DEFAULT_MODEL)

    def _won_from(self):
        return SQL("""
                  FROM crm_lead AS l
                  JOIN crm_stage AS s ON s.id = l.stage_id
             LEFT JOIN res_company AS c ON c.id = l.company_id
        """)

    def _won_where(self):
        return SQL("""
                 WHERE l.active AND s.is_won AND l.probability = 100
        """)

    def _with(self):
        """Won deals with their company's settings; their touchpoints in the
        look-back window, numbered by date (window functions); the W-shaped
        milestones from the lifecycle history: the last touch at or before the
        lead first reached stage Lead, and the one at or before it first
        became an opportunity (SQL)."""
        return SQL("""
            WITH won AS (
                %(won_select)s %(won_from)s %(won_where)s
            ), touches AS (
                SELECT w.*,
                       t.id AS touchpoint_id, t.campaign_id, t.source_id, t.medium_id, t.origin,
                       t.date AS touch_date,
                       ROW_NUMBER() OVER (PARTITION BY w.lead_id ORDER BY t.date, t.id) AS pos,
                       COUNT(*) OVER (PARTITION BY w.lead_id) AS n,
                       POWER(2.0::double precision,
                             -EXTRACT(EPOCH FROM (w.date_won - t.date))::double precision
                             / 86400.0 / w.half_life_days) AS decay
                  FROM won AS w
                  JOIN crm_touchpoint AS t ON t.lead_id = w.lead_id
                 WHERE t.date <= w.date_won
                   AND t.date >= w.date_won - w.lookback_days * INTERVAL '1 day'
            ), milestones AS (
                SELECT h.lead_id,
                       MIN(h.date) FILTER (WHERE h.to_stage IN %(lead_stages)s) AS date_lead,
                       MIN(h.date) FILTER (WHERE h.to_stage IN %(opp_stages)s) AS date_opportunity
                  FROM crm_lead_lifecycle_history AS h
                 WHERE h.lead_id IN (SELECT lead_id FROM won)
              GROUP BY h.lead_id
            ), marks AS (
                SELECT t.lead_id,
                       COALESCE(MAX(t.pos) FILTER (WHERE t.touch_date <= m.date_lead), 1) AS lead_pos,
                       COALESCE(MAX(t.pos) FILTER (WHERE t.touch_date <= m.date_opportunity), 1) AS opp_pos,
                       SUM(t.decay) AS decay_total
                  FROM touches AS t
             LEFT JOIN milestones AS m ON m.lead_id = t.lead_id
              GROUP BY t.lead_id
            ), models AS (
                SELECT * FROM (VALUES %(models)s) AS v(model, seq)
            )
        """, won_select=self._won_select(), won_from=self._won_from(), won_where=self._won_where(),
            lead_stages=LEAD_MILESTONE_STAGES, opp_stages=OPPORTUNITY_MILESTONE_STAGES,
            models=SQL(", ").join(SQL("(%s, %s)", key, seq) for seq, (key, _label) in enumerate(
                ATTRIBUTION_MODELS, start=1)))

    def _credit(self):
        """A touchpoint's share of its deal under each model (t: the touch,
        k: its deal's milestones, m: the model)."""
        position_based = SQL("""
            CASE WHEN t.n = 1 THEN 1.0
                 WHEN t.n = 2 THEN 0.5
                 WHEN t.pos IN (1, t.n) THEN 0.4
                 ELSE 0.2 / (t.n - 2) END
        """)
        # W-shaped needs three distinct milestones: first touch, lead, opportunity.
        return SQL("""
            CASE m.model
                WHEN 'first_touch' THEN CASE WHEN t.pos = 1 THEN 1.0 ELSE 0.0 END
                WHEN 'last_touch' THEN CASE WHEN t.pos = t.n THEN 1.0 ELSE 0.0 END
                WHEN 'linear' THEN 1.0 / t.n
                WHEN 'time_decay' THEN t.decay / k.decay_total
                WHEN 'position_based' THEN %(position_based)s
                WHEN 'w_shaped' THEN
                    CASE WHEN t.n >= 3 AND 1 < k.lead_pos AND k.lead_pos < k.opp_pos THEN
                        CASE WHEN t.pos IN (1, k.lead_pos, k.opp_pos)
                             THEN CASE WHEN t.n = 3 THEN 1.0 / 3 ELSE 0.3 END
                             ELSE 0.1 / (t.n - 3) END
                    ELSE %(position_based)s END
            END::double precision
        """, position_based=position_based)

    def _select(self):
        # Stable ids: a touchpoint belongs to one deal, so (touchpoint, model) is unique.
        return SQL("""
            SELECT t.touchpoint_id * 16 + m.seq AS id,
                   m.model,
                   m.model = t.company_model AS is_company_model,
                   t.lead_id, t.touchpoint_id, t.campaign_id, t.source_id, t.medium_id, t.origin,
                   t.touch_date, t.date_won AS date, TRUE AS attributed,
                   credit.share AS credit,
                   credit.share * t.deal_revenue AS revenue,
                   0.0::double precision AS unattributed_revenue,
                   t.company_id, t.currency_id, t.team_id, t.user_id, t.country_id, t.industry_id,
                   t.company_size
        """)

    def _from(self):
        return SQL("""
                  FROM touches AS t
                  JOIN marks AS k ON k.lead_id = t.lead_id
            CROSS JOIN models AS m
            CROSS JOIN LATERAL (SELECT %s AS share) AS credit
        """, self._credit())

    def _where(self):
        return SQL("")

    def _select_unattributed(self):
        return SQL("""
            SELECT w.lead_id * 16 + 8 + m.seq AS id,
                   m.model,
                   m.model = w.company_model AS is_company_model,
                   w.lead_id, NULL::integer AS touchpoint_id, NULL::integer AS campaign_id,
                   NULL::integer AS source_id, NULL::integer AS medium_id, NULL::varchar AS origin,
                   NULL::timestamp AS touch_date, w.date_won AS date, FALSE AS attributed,
                   1.0::double precision AS credit,
                   w.deal_revenue::double precision AS revenue,
                   w.deal_revenue::double precision AS unattributed_revenue,
                   w.company_id, w.currency_id, w.team_id, w.user_id, w.country_id, w.industry_id,
                   w.company_size
        """)

    def _from_unattributed(self):
        return SQL("""
                  FROM won AS w
            CROSS JOIN models AS m
                 WHERE NOT EXISTS (SELECT 1 FROM touches AS t WHERE t.lead_id = w.lead_id)
        """)

    def _query(self):
        return SQL("%s %s %s %s UNION ALL %s %s", self._with(), self._select(), self._from(), self._where(),
                   self._select_unattributed(), self._from_unattributed())

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
