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

    # Extension point: the won deals (subquery ``w``), one row per deal, are
    # built by _won_select / _won_from / _won_where, as crm.activity.report
    # splits its query. An addon adds a deal-level amount there (e.g. the
    # Sales bridge's confirmed and invoiced revenue, see
    # sales_marketing_alignment_sale) and credits it in _select and
    # _select_unattributed: every column of ``w`` reaches the touches
    # (``t``, LATERAL per deal) and the unattributed rows (w.*), so the
    # credit SQL is never copied. The view has no CTE, so that a filter on a
    # deal's column (its won date above all) is pushed down to crm_lead.

    def _won_select(self):
        """Columns of a won deal (l: crm_lead, c: its res_company). Revenue in the company's currency."""
        return SQL("""
                SELECT l.id AS lead_id,
                       l.company_id, l.team_id, l.user_id, l.country_id, l.industry_id, l.company_size,
                       c.currency_id,
                       COALESCE(l.expected_revenue, 0)::double precision AS deal_revenue,
                       COALESCE(l.date_closed, l.date_last_stage_update) AS date_won,
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

    def _won(self):
        """The won deals, one row per deal (``w`` in the queries below)."""
        return SQL("%s %s %s", self._won_select(), self._won_from(), self._won_where())

    def _touches(self):
        """A won deal's touchpoints in its look-back window (LATERAL on
        ``w``), numbered by date (window functions over the deal's touches
        only), with the W-shaped milestones from the lifecycle history: the
        last touch at or before the lead first reached stage Lead
        (``lead_pos``), and the one at or before it first became an
        opportunity (``opp_pos``). Every column of ``w`` comes along (an
        addon's deal-level amounts, see _won_select)."""
        return SQL("""
            SELECT y.*,
                   COALESCE(MAX(y.pos) FILTER (WHERE y.touch_date <= y.date_lead) OVER (), 1) AS lead_pos,
                   COALESCE(MAX(y.pos) FILTER (WHERE y.touch_date <= y.date_opportunity) OVER (), 1) AS opp_pos
              FROM (SELECT w.*, x.touchpoint_id, x.campaign_id, x.source_id, x.medium_id, x.origin, x.touch_date,
                           x.pos, x.n, x.decay,
                           SUM(x.decay) OVER () AS decay_total,
                           MAX(ms.date_lead) OVER () AS date_lead,
                           MAX(ms.date_opportunity) OVER () AS date_opportunity
                      FROM (SELECT t.id AS touchpoint_id, t.campaign_id, t.source_id, t.medium_id, t.origin,
                                   t.date AS touch_date,
                                   ROW_NUMBER() OVER (ORDER BY t.date, t.id) AS pos,
                                   COUNT(*) OVER () AS n,
                                   POWER(2.0::double precision,
                                         -EXTRACT(EPOCH FROM (w.date_won - t.date))::double precision
                                         / 86400.0 / w.half_life_days) AS decay
                              FROM crm_touchpoint AS t
                             WHERE %(in_window)s) AS x
                      -- Milestones only matter to W-shaped, from 3 touches:
                      -- the history is read once per such deal (first touch).
                 LEFT JOIN LATERAL (
                           SELECT MIN(h.date) FILTER (WHERE h.to_stage IN %(lead_stages)s) AS date_lead,
                                  MIN(h.date) FILTER (WHERE h.to_stage IN %(opp_stages)s) AS date_opportunity
                             FROM crm_lead_lifecycle_history AS h
                            WHERE h.lead_id = w.lead_id AND x.n >= 3 AND x.pos = 1) AS ms ON TRUE) AS y
        """, in_window=self._in_window(), lead_stages=LEAD_MILESTONE_STAGES, opp_stages=OPPORTUNITY_MILESTONE_STAGES)

    def _in_window(self):
        """Touchpoint ``t`` of deal ``w`` inside the deal's look-back window."""
        return SQL("""t.lead_id = w.lead_id
                       AND t.date <= w.date_won
                       AND t.date >= w.date_won - w.lookback_days * INTERVAL '1 day'""")

    def _models(self):
        """The attribution models (``m``: model, seq)."""
        return SQL("(VALUES %s) AS m(model, seq)", SQL(", ").join(
            SQL("(%s, %s)", key, seq) for seq, (key, _label) in enumerate(ATTRIBUTION_MODELS, start=1)))

    def _credit(self):
        """A touchpoint's share of its deal under each model (t: the touch
        with its deal's milestones and decay total, m: the model)."""
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
                WHEN 'time_decay' THEN t.decay / t.decay_total
                WHEN 'position_based' THEN %(position_based)s
                WHEN 'w_shaped' THEN
                    CASE WHEN t.n >= 3 AND 1 < t.lead_pos AND t.lead_pos < t.opp_pos THEN
                        CASE WHEN t.pos IN (1, t.lead_pos, t.opp_pos)
                             THEN CASE WHEN t.n = 3 THEN 1.0 / 3 ELSE 0.3 END
                             ELSE 0.1 / (t.n - 3) END
                    ELSE %(position_based)s END
            END::double precision
        """, position_based=position_based)

    def _select(self):
        # Stable ids: a touchpoint belongs to one deal, so (touchpoint, model) is unique.
        # The deal's columns are read from w, not t, so that a filter on them
        # (date, company, team, salesperson) reaches crm_lead's indexes.
        return SQL("""
            SELECT t.touchpoint_id * 16 + m.seq AS id,
                   m.model,
                   m.model = w.company_model AS is_company_model,
                   w.lead_id, t.touchpoint_id, t.campaign_id, t.source_id, t.medium_id, t.origin,
                   t.touch_date, w.date_won AS date, TRUE AS attributed,
                   credit.share AS credit,
                   credit.share * t.deal_revenue AS revenue,
                   0.0::double precision AS unattributed_revenue,
                   w.company_id, w.currency_id, w.team_id, w.user_id, w.country_id, w.industry_id,
                   w.company_size
        """)

    def _from(self):
        return SQL("""
                  FROM (%(won)s) AS w
            CROSS JOIN LATERAL (%(touches)s) AS t
            CROSS JOIN %(models)s
            CROSS JOIN LATERAL (SELECT %(credit)s AS share) AS credit
        """, won=self._won(), touches=self._touches(), models=self._models(), credit=self._credit())

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
                  FROM (%(won)s) AS w
            CROSS JOIN %(models)s
                 WHERE NOT EXISTS (SELECT 1 FROM crm_touchpoint AS t WHERE %(in_window)s)
        """, won=self._won(), models=self._models(), in_window=self._in_window())

    def _query(self):
        # No CTE and no window function at the top of either branch: a filter
        # on the deal's columns (the dashboard's period on ``date``, a team,
        # record rules) is pushed by PostgreSQL into both branches, down to
        # crm_lead (index crm_lead_attribution_won_on_idx on the won date),
        # and the touches and milestones are then read for those deals only,
        # through the indexes on crm_touchpoint.lead_id and
        # crm_lead_lifecycle_history.lead_id. Unfiltered (campaign economics),
        # it reads every won deal, as before.
        return SQL("%s %s %s UNION ALL %s %s", self._select(), self._from(), self._where(),
                   self._select_unattributed(), self._from_unattributed())

    def init(self):
        # The won deals of a period, by their won date (as _won computes
        # it): the dashboard and the maturity block filter on it. The won
        # date falls back on the date the deal reached its stage, never on
        # write_date: an index reading write_date would make every update of
        # crm_lead write all of its indexes (no HOT update), and the date of
        # a deal would move each time someone edits it.
        self.env.cr.execute(SQL("DROP INDEX IF EXISTS crm_lead_attribution_won_date_idx"))
        self.env.cr.execute(SQL("""
            CREATE INDEX IF NOT EXISTS crm_lead_attribution_won_on_idx
                ON crm_lead ((COALESCE(date_closed, date_last_stage_update)))
             WHERE active AND probability = 100
        """))
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
