# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.constants import FEEDBACK_CATEGORIES, FOLLOW_UPS, LIFECYCLE_STAGES


class CrmFeedbackReport(models.Model):
    """Codified sales feedback over time: one row per lead closed or returned
    to nurture with a reason (the lifecycle history rows that carry a reason),
    with the lead's campaign, source, team and salesperson."""

    _name = "crm.feedback.report"
    _description = "Sales Feedback Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "reason_id"

    date = fields.Datetime(readonly=True)
    lead_id = fields.Many2one("crm.lead", readonly=True)
    to_stage = fields.Selection(LIFECYCLE_STAGES, string="Sent To", readonly=True)
    from_stage = fields.Selection(LIFECYCLE_STAGES, string="From", readonly=True)
    reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    category = fields.Selection(FEEDBACK_CATEGORIES, readonly=True)
    follow_up = fields.Selection(FOLLOW_UPS, readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    given_by_id = fields.Many2one("res.users", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    def _select(self):
        return SQL("""
            SELECT h.id,
                   h.date,
                   h.lead_id,
                   h.to_stage,
                   h.from_stage,
                   h.reason_id,
                   r.category,
                   r.follow_up,
                   l.campaign_id,
                   l.source_id,
                   l.medium_id,
                   COALESCE(h.team_id, l.team_id) AS team_id,
                   COALESCE(h.salesperson_id, l.user_id) AS user_id,
                   h.user_id AS given_by_id,
                   l.country_id,
                   COALESCE(h.company_id, l.company_id) AS company_id
        """)

    def _from(self):
        return SQL("""
            FROM crm_lead_lifecycle_history AS h
            JOIN crm_lost_reason AS r ON r.id = h.reason_id
            JOIN crm_lead AS l ON l.id = h.lead_id
        """)

    def _where(self):
        return SQL()

    def init(self):
        # Served by crm_lead_lifecycle_history's indexes on reason_id and date.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            "CREATE OR REPLACE VIEW %s AS (%s %s %s)",
            SQL.identifier(self._table), self._select(), self._from(), self._where(),
        ))
