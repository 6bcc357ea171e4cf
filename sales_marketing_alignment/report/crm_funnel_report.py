# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.constants import LIFECYCLE_STAGES


class CrmFunnelReport(models.Model):
    """The funnel from the lifecycle history, one row per lead: the date it
    first reached each funnel stage. A lead *reached* a stage when its
    history has a move into that stage or into any later funnel stage
    (inquiry, lead, MQL, SAL, SQL, customer), so a lead Odoo converted
    straight to an opportunity has reached lead, MQL and SAL on that date,
    and every stage's leads are a subset of the previous stage's. Nurture and
    disqualified are off the funnel: a lead back from nurture keeps the dates
    it reached before. The dates are the lead's ``date_reached_<stage>``
    columns, kept by crm.lead.lifecycle.history. Used by the funnel plans
    and the alignment dashboard, with the reader's record rules."""

    _name = "crm.funnel.report"
    _description = "Lead Funnel Stages Reached"
    _auto = False
    _order = "date_inquiry desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    create_date = fields.Datetime("Created On", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, string="Current Stage", readonly=True)
    date_inquiry = fields.Datetime("Inquiry On", readonly=True)
    date_lead = fields.Datetime("Lead On", readonly=True)
    date_mql = fields.Datetime("MQL On", readonly=True)
    date_sal = fields.Datetime("SAL On", readonly=True)
    date_sql = fields.Datetime("SQL On", readonly=True)
    date_customer = fields.Datetime("Customer On", readonly=True)
    is_won = fields.Boolean(
        "Won", readonly=True,
        help="A won deal now (active, in a won stage at 100 %), as campaign attribution and the dashboard count it.")
    date_won = fields.Datetime("Won On", readonly=True, help="Won deals: the day they were won (Closed Date).")
    won_revenue = fields.Float(readonly=True, help="Expected revenue of the lead when it is won, else 0.")
    cycle_days = fields.Float(
        "Sales Cycle (days)", aggregator="avg", readonly=True,
        help="Won deals: from the day the lead became an opportunity (SQL) to the day it was won.")
    cycle_days_created = fields.Float(
        "Cycle From Creation (days)", aggregator="avg", readonly=True,
        help="Won deals: from the lead's creation to the day it was won.")

    def _select(self):
        return SQL("""
            SELECT l.id,
                   l.id AS lead_id,
                   l.company_id,
                   l.team_id,
                   l.user_id,
                   l.campaign_id,
                   l.create_date,
                   l.lifecycle_stage,
                   l.date_reached_inquiry AS date_inquiry,
                   l.date_reached_lead AS date_lead,
                   l.date_reached_mql AS date_mql,
                   l.date_reached_sal AS date_sal,
                   l.date_reached_sql AS date_sql,
                   l.date_reached_customer AS date_customer,
                   won.flag AS is_won,
                   CASE WHEN won.flag THEN l.date_closed END AS date_won,
                   CASE WHEN won.flag THEN COALESCE(l.expected_revenue, 0) ELSE 0 END AS won_revenue,
                   CASE WHEN won.flag
                        THEN EXTRACT(EPOCH FROM l.date_closed - l.date_reached_sql) / 86400
                   END AS cycle_days,
                   CASE WHEN won.flag
                        THEN EXTRACT(EPOCH FROM l.date_closed - l.create_date) / 86400
                   END AS cycle_days_created
              FROM crm_lead AS l
         LEFT JOIN crm_stage AS s ON s.id = l.stage_id
        CROSS JOIN LATERAL (SELECT COALESCE(l.active AND s.is_won AND l.probability = 100, FALSE) AS flag) AS won
        """)

    def init(self):
        # The dates are crm_lead columns (indexed), kept by the lifecycle
        # history; leads an upgrade finds without them get them here.
        cr = self.env.cr
        cr.execute(SQL("DROP INDEX IF EXISTS crm_lead_lifecycle_history_funnel_idx"))
        # The dashboard filters leads by hand-off and assignment dates (SAL %,
        # compliance, rep performance): partial indexes, most leads have neither.
        for column in ("date_handoff", "date_open"):
            cr.execute(SQL("CREATE INDEX IF NOT EXISTS %s ON crm_lead (%s) WHERE %s IS NOT NULL",
                           SQL.identifier(f"crm_lead_{column}_funnel_idx"), SQL.identifier(column),
                           SQL.identifier(column)))
        # The dashboard's won deals: won now, by won date (crm's date_closed).
        cr.execute(SQL("""
            CREATE INDEX IF NOT EXISTS crm_lead_won_date_closed_idx
                ON crm_lead (date_closed) WHERE active AND probability = 100
        """))
        self.env["crm.lead.lifecycle.history"]._sync_funnel_dates(missing_only=True)
        tools.drop_view_if_exists(cr, self._table)
        cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._select()))
