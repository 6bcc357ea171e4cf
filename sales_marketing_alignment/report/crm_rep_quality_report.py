# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import SUPERUSER_ID, fields, models, tools
from odoo.tools import SQL


class CrmRepQualityReport(models.Model):
    """Rep interaction quality (paper 000, figure 4): one row per call or
    meeting a rep marked done on a lead, one per content item a rep shared,
    and one per lead assigned to a rep, so that per rep and team, for a
    period, a manager sees calls and meetings done, the share tagged with key
    messages, the share followed by a next step scheduled within a day,
    content shared and opened, response time, acceptance and conversion."""

    _name = "crm.rep.quality.report"
    _description = "Rep Interaction Quality"
    _auto = False
    _order = "date desc"
    _rec_name = "lead_id"

    date = fields.Datetime(readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    lead_id = fields.Many2one("crm.lead", readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity", readonly=True)
    content_id = fields.Many2one("crm.content", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    call_count = fields.Integer("Calls and Meetings", readonly=True)
    tagged_rate = fields.Float(
        "Tagged (%)", aggregator="avg", readonly=True,
        help="Calls and meetings the rep tagged with key messages on the same lead within a day (%).")
    next_step_rate = fields.Float(
        "Next Step Within a Day (%)", aggregator="avg", readonly=True,
        help="Calls and meetings after which an activity was scheduled on the lead within a day (%). "
        "Counts activities still planned or kept when done.")
    share_count = fields.Integer("Shares", readonly=True)
    accessed_count = fields.Integer("Content Opened", readonly=True)
    lead_count = fields.Integer("Leads Assigned", readonly=True)
    response_hours = fields.Float(
        "Response Time (hours)", aggregator="avg", readonly=True,
        help="From assignment to the first completed activity; leads nobody touched yet are left "
        "out (empty, not zero).")
    accepted_rate = fields.Float(
        "Accepted (%)", aggregator="avg", readonly=True,
        help="Of the leads handed to the rep, the share they accepted (%).")
    conversion_rate = fields.Float(
        "Won (%)", aggregator="avg", readonly=True, help="Of the leads assigned to the rep, the share won (%).")
    # The rows a response time or an acceptance rate averages (an empty
    # number and zero are one and the same in a domain on a number).
    responded = fields.Boolean(readonly=True, help="An assigned lead with a completed activity: it has a response time.")
    handed_off = fields.Boolean(readonly=True, help="An assigned lead handed to sales: it counts in the acceptance rate.")

    def _select(self):
        return SQL("""
            SELECT m.id * 2 AS id,
                   m.date,
                   COALESCE(u.id, l.user_id) AS user_id,
                   l.team_id,
                   l.id AS lead_id,
                   m.mail_activity_type_id AS activity_type_id,
                   NULL::integer AS content_id,
                   l.company_id,
                   1 AS call_count,
                   CASE WHEN EXISTS (
                        SELECT 1 FROM crm_message_use AS mu
                         WHERE mu.lead_id = l.id AND mu.user_id = COALESCE(u.id, l.user_id)
                           AND mu.date >= m.date - interval '1 hour' AND mu.date <= m.date + interval '1 day'
                   ) THEN 100.0 ELSE 0.0 END AS tagged_rate,
                   CASE WHEN EXISTS (
                        SELECT 1 FROM mail_activity AS a
                         WHERE a.res_model = 'crm.lead' AND a.res_id = l.id
                           AND a.create_date >= m.date - interval '5 minutes'
                           AND a.create_date <= m.date + interval '1 day'
                   ) THEN 100.0 ELSE 0.0 END AS next_step_rate,
                   0 AS share_count,
                   0 AS accessed_count,
                   0 AS lead_count,
                   NULL::numeric AS response_hours,
                   NULL::numeric AS accepted_rate,
                   NULL::numeric AS conversion_rate,
                   FALSE AS responded,
                   FALSE AS handed_off
        """)

    def _from(self):
        return SQL("""
              FROM mail_message AS m
              JOIN crm_lead AS l ON l.id = m.res_id
              JOIN mail_activity_type AS t ON t.id = m.mail_activity_type_id
              -- The rep is the note's author; notes written by the system
              -- (OdooBot: imports, automations) count for the salesperson.
         LEFT JOIN LATERAL (SELECT id FROM res_users
                             WHERE partner_id = m.author_id AND id != %(superuser)s
                          ORDER BY id LIMIT 1) AS u ON TRUE
        """, superuser=SUPERUSER_ID)

    def _where(self):
        # Calls (Odoo's phonecall category) and meetings (mail's Meeting type).
        return SQL("""
             WHERE m.model = 'crm.lead'
               AND (t.category = 'phonecall' OR EXISTS (
                    SELECT 1 FROM ir_model_data AS d
                     WHERE d.model = 'mail.activity.type' AND d.res_id = t.id
                       AND d.module = 'mail' AND d.name = 'mail_activity_data_meeting'))
        """)

    def _shares_query(self):
        return SQL("""
            SELECT s.id * 2 + 1 AS id,
                   s.date,
                   s.user_id,
                   l.team_id,
                   l.id AS lead_id,
                   NULL::integer AS activity_type_id,
                   s.content_id,
                   COALESCE(s.company_id, l.company_id) AS company_id,
                   0 AS call_count,
                   NULL::numeric AS tagged_rate,
                   NULL::numeric AS next_step_rate,
                   1 AS share_count,
                   CASE WHEN EXISTS (SELECT 1 FROM crm_content_access AS ca WHERE ca.share_id = s.id)
                        THEN 1 ELSE 0 END AS accessed_count,
                   0 AS lead_count,
                   NULL::numeric AS response_hours,
                   NULL::numeric AS accepted_rate,
                   NULL::numeric AS conversion_rate,
                   FALSE AS responded,
                   FALSE AS handed_off
              FROM crm_content_share AS s
              JOIN crm_lead AS l ON l.id = s.lead_id
        """)

    def _leads_query(self):
        # One row per lead assigned to a rep, at its assignment: response
        # time (empty when untouched), acceptance of a hand-off, won or not.
        return SQL("""
            SELECT -l.id AS id,
                   l.date_open AS date,
                   l.user_id,
                   l.team_id,
                   l.id AS lead_id,
                   NULL::integer AS activity_type_id,
                   NULL::integer AS content_id,
                   l.company_id,
                   0 AS call_count,
                   NULL::numeric AS tagged_rate,
                   NULL::numeric AS next_step_rate,
                   0 AS share_count,
                   0 AS accessed_count,
                   1 AS lead_count,
                   EXTRACT(EPOCH FROM l.date_first_touch - l.date_open) / 3600 AS response_hours,
                   CASE WHEN l.date_handoff IS NULL THEN NULL
                        WHEN l.date_accepted IS NOT NULL THEN 100.0 ELSE 0.0 END AS accepted_rate,
                   CASE WHEN l.lifecycle_stage = 'customer' THEN 100.0 ELSE 0.0 END AS conversion_rate,
                   l.date_first_touch IS NOT NULL AS responded,
                   l.date_handoff IS NOT NULL AS handed_off
              FROM crm_lead AS l
             WHERE l.user_id IS NOT NULL AND l.date_open IS NOT NULL
        """)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            "CREATE OR REPLACE VIEW %s AS (%s %s %s UNION ALL %s UNION ALL %s)",
            SQL.identifier(self._table), self._select(), self._from(), self._where(), self._shares_query(),
            self._leads_query(),
        ))
