# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.constants import SLA_STATUSES


class CrmSlaReport(models.Model):
    """Follow-up compliance, one row per assigned lead: on time or not, and the
    response time, by team, region (country, state), rep and campaign."""

    _name = "crm.sla.report"
    _description = "Follow-up SLA Compliance"
    _auto = False
    _order = "date_open desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", readonly=True)
    date_open = fields.Datetime("Assigned On", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    state_id = fields.Many2one("res.country.state", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    sla_status = fields.Selection(SLA_STATUSES, string="SLA", readonly=True)
    on_time_rate = fields.Float(
        "On Time (%)", aggregator="avg", readonly=True,
        help="100 when the SLA was met, 0 when breached; leads still on track are not counted.")
    breached_count = fields.Integer("Breached", aggregator="sum", readonly=True)
    date_first_touch = fields.Datetime("First Touch", readonly=True)
    response_hours = fields.Float(
        "Response Time (hours)", aggregator="avg", readonly=True,
        help="From assignment to the first completed activity; empty (not zero) for leads "
        "nobody touched yet, which averages leave out.")

    def _select(self):
        return SQL("""
            SELECT l.id,
                   l.id AS lead_id,
                   l.date_open,
                   l.team_id,
                   l.user_id,
                   l.country_id,
                   l.state_id,
                   l.campaign_id,
                   l.source_id,
                   l.company_id,
                   l.sla_status,
                   l.date_first_touch,
                   CASE l.sla_status WHEN 'met' THEN 100.0 WHEN 'breached' THEN 0.0 END AS on_time_rate,
                   CASE WHEN l.sla_status = 'breached' THEN 1 ELSE 0 END AS breached_count,
                   EXTRACT(EPOCH FROM l.date_first_touch - l.date_open) / 3600 AS response_hours
        """)

    def _from(self):
        return SQL("FROM crm_lead AS l")

    def _where(self):
        return SQL("WHERE l.date_open IS NOT NULL AND l.sla_status != 'none'")

    def init(self):
        # crm_lead is read through its indexes on sla_status and team/user.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            "CREATE OR REPLACE VIEW %s AS (%s %s %s)",
            SQL.identifier(self._table), self._select(), self._from(), self._where(),
        ))
