# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.constants import GRADES, LIFECYCLE_STAGES

BUCKET_SIZE = 10


class CrmScoreReport(models.Model):
    """Does the score predict outcomes? One row per scored lead: its grade,
    score bucket and how far it went (accepted by sales, won), so conversion
    to SAL and to won can be read by grade band and by score bucket."""

    _name = "crm.score.report"
    _description = "Lead Scoring Analysis"
    _auto = False
    _order = "score desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", readonly=True)
    create_date = fields.Datetime("Created On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    grade = fields.Selection(GRADES, readonly=True)
    score_bucket = fields.Integer(
        readonly=True, aggregator=False,
        help="Lower bound of the lead's score band of 10 points (40 = 40 to 49).")
    score = fields.Integer(readonly=True, aggregator="avg")
    fit_score = fields.Integer(readonly=True, aggregator="avg")
    engagement_score = fields.Integer(readonly=True, aggregator="avg")
    lead_count = fields.Integer("Leads", readonly=True, aggregator="sum")
    sal_count = fields.Integer("Accepted by Sales", readonly=True, aggregator="sum")
    won_count = fields.Integer("Won", readonly=True, aggregator="sum")
    sal_rate = fields.Float(
        "Accepted Rate (%)", readonly=True, aggregator="avg",
        help="Share of the leads sales accepted (SAL or later): 100 when accepted, 0 otherwise.")
    won_rate = fields.Float("Won Rate (%)", readonly=True, aggregator="avg",
                            help="Share of the leads won: 100 when won, 0 otherwise.")
    won_revenue = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", readonly=True)

    def _select(self):
        return SQL("""
            SELECT l.id,
                   l.id AS lead_id,
                   l.create_date,
                   l.company_id,
                   l.team_id,
                   l.user_id,
                   l.campaign_id,
                   l.source_id,
                   l.country_id,
                   l.lifecycle_stage,
                   l.grade,
                   (FLOOR(l.score / %(bucket)s::numeric) * %(bucket)s)::integer AS score_bucket,
                   l.score,
                   l.fit_score,
                   l.engagement_score,
                   1 AS lead_count,
                   accepted.flag AS sal_count,
                   won.flag AS won_count,
                   accepted.flag * 100.0 AS sal_rate,
                   won.flag * 100.0 AS won_rate,
                   CASE WHEN won.flag = 1 THEN l.expected_revenue ELSE 0 END AS won_revenue,
                   c.currency_id
        """, bucket=BUCKET_SIZE)

    def _from(self):
        # A lead counts as accepted once it was accepted or went further.
        return SQL("""
                  FROM crm_lead AS l
             LEFT JOIN res_company AS c ON c.id = l.company_id
             LEFT JOIN crm_stage AS s ON s.id = l.stage_id
            CROSS JOIN LATERAL (SELECT CASE WHEN l.date_accepted IS NOT NULL
                                              OR l.lifecycle_stage IN ('sal', 'sql', 'customer')
                                            THEN 1 ELSE 0 END AS flag) AS accepted
            CROSS JOIN LATERAL (SELECT CASE WHEN s.is_won AND l.probability = 100
                                            THEN 1 ELSE 0 END AS flag) AS won
        """)

    def _where(self):
        return SQL("WHERE l.date_scored IS NOT NULL")

    def init(self):
        # crm_lead is read through its indexes on date_scored and grade.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            "CREATE OR REPLACE VIEW %s AS (%s %s %s)",
            SQL.identifier(self._table), self._select(), self._from(), self._where(),
        ))
