# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.constants import BUYING_ROLES, COMPANY_SIZES, LIFECYCLE_STAGES, OBJECTIONS, REACTIONS

OUTCOMES = [("won", "Won"), ("lost", "Lost"), ("open", "Open")]


class CrmMessageReport(models.Model):
    """Tagged call notes for marketing: one row per key message used on a
    call, with the customer's reaction and its lead's segment, stage and
    outcome ("listen and learn" without call recordings)."""

    _name = "crm.message.report"
    _description = "Key Message Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "message_id"

    date = fields.Datetime(readonly=True)
    message_id = fields.Many2one("crm.message", string="Key Message", readonly=True)
    lead_id = fields.Many2one("crm.lead", readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity", readonly=True)
    reaction = fields.Selection(REACTIONS, readonly=True)
    objection = fields.Selection(OBJECTIONS, readonly=True)
    tagged_by_id = fields.Many2one("res.users", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    stage_id = fields.Many2one("crm.stage", string="Pipeline Stage", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    industry_id = fields.Many2one("res.partner.industry", readonly=True)
    buying_role = fields.Selection(BUYING_ROLES, readonly=True)
    company_size = fields.Selection(COMPANY_SIZES, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    use_count = fields.Integer("Uses", readonly=True)
    resonance_rate = fields.Float(
        readonly=True, aggregator="avg", help="Uses where the message resonated / all uses (%).")
    objection_count = fields.Integer("Objections", readonly=True)
    won_rate = fields.Float(
        readonly=True, aggregator="avg", help="Won / closed deals among the tagged calls' deals (%); open deals count for nothing.")

    def _select(self):
        return SQL("""
            SELECT u.id,
                   u.date,
                   u.message_id,
                   u.lead_id,
                   u.activity_type_id,
                   u.reaction,
                   u.objection,
                   u.user_id AS tagged_by_id,
                   l.user_id,
                   l.team_id,
                   l.stage_id,
                   l.lifecycle_stage,
                   CASE WHEN l.active AND COALESCE(st.is_won, FALSE) THEN 'won'
                        WHEN NOT l.active AND l.probability = 0 THEN 'lost'
                        ELSE 'open' END AS outcome,
                   l.industry_id,
                   l.buying_role,
                   l.company_size,
                   COALESCE(u.company_id, l.company_id) AS company_id,
                   1 AS use_count,
                   CASE WHEN u.reaction = 'resonated' THEN 100.0 ELSE 0.0 END AS resonance_rate,
                   CASE WHEN u.reaction = 'objection' THEN 1 ELSE 0 END AS objection_count,
                   CASE WHEN l.active AND COALESCE(st.is_won, FALSE) THEN 100.0
                        WHEN NOT l.active AND l.probability = 0 THEN 0.0 END AS won_rate
        """)

    def _from(self):
        return SQL("""
            FROM crm_message_use AS u
            JOIN crm_lead AS l ON l.id = u.lead_id
       LEFT JOIN crm_stage AS st ON st.id = l.stage_id
        """)

    def _where(self):
        return SQL()

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            "CREATE OR REPLACE VIEW %s AS (%s %s %s)",
            SQL.identifier(self._table), self._select(), self._from(), self._where(),
        ))
