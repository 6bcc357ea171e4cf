# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.constants import FUNNEL_STAGES, LIFECYCLE_STAGES
from ..tools.sql import insert_rows


class CrmLeadLifecycleHistory(models.Model):
    """One row per lifecycle transition of a lead, so time in stage and
    stage-to-stage conversion come from the database, not from chatter.
    A lead's first row (``from_stage`` empty) is the stage it was created in."""

    _name = "crm.lead.lifecycle.history"
    _description = "Lead Lifecycle Transition"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    from_stage = fields.Selection(LIFECYCLE_STAGES, string="From")
    to_stage = fields.Selection(LIFECYCLE_STAGES, string="To", required=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, index=True)
    # Denormalized for reporting and access rules, set once at creation (not
    # related: a stored related field would make every company change of a
    # lead search its history).
    company_id = fields.Many2one("res.company", index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    salesperson_id = fields.Many2one("res.users", index=True)
    reason_id = fields.Many2one("crm.lost.reason", ondelete="set null", index="btree_not_null")

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._sync_funnel_dates(rows.lead_id.ids)
        return rows

    def write(self, vals):
        leads = self.lead_id
        res = super().write(vals)
        if {"lead_id", "to_stage", "date"} & set(vals):
            self._sync_funnel_dates((leads | self.lead_id).ids)
        return res

    def unlink(self):
        leads = self.lead_id
        res = super().unlink()
        self._sync_funnel_dates(leads.exists().ids)
        return res

    @api.model
    def _sync_funnel_dates(self, lead_ids=None, missing_only=False):
        """Set the leads' ``date_reached_<stage>`` from their history: the
        first move into the stage or into any later funnel stage (so a lead
        Odoo converted straight to an opportunity reached Lead, MQL and SAL
        then). One UPDATE for all the leads (``None``: every lead;
        ``missing_only``: leads that have none yet, after an upgrade); SQL
        because the ORM would write the leads one by one."""
        if lead_ids is not None and not lead_ids:
            return
        self.flush_model(["lead_id", "to_stage", "date"])
        self.env["crm.lead"].flush_model(["date_reached_%s" % stage for stage in FUNNEL_STAGES])
        columns = [SQL.identifier("date_reached_%s" % stage) for stage in FUNNEL_STAGES]
        dates = [SQL("MIN(h.date) FILTER (WHERE h.to_stage IN %s)", tuple(FUNNEL_STAGES[index:]))
                 for index in range(len(FUNNEL_STAGES))]
        # Aggregated per lead in one pass over the history (GROUP BY): leads
        # of ``lead_ids`` left without history get empty dates.
        history_where = SQL("h.lead_id IN %s", tuple(lead_ids)) if lead_ids is not None else SQL("TRUE")
        lead_where = SQL("l.id IN %s", tuple(lead_ids)) if lead_ids is not None else SQL("v.lead_id IS NOT NULL")
        if missing_only:
            lead_where = SQL("%s AND l.date_reached_inquiry IS NULL", lead_where)
        self.env.cr.execute(SQL("""
            UPDATE crm_lead AS l
               SET %(assign)s
              FROM crm_lead AS l2
         LEFT JOIN (SELECT h.lead_id, %(dates)s
                      FROM crm_lead_lifecycle_history AS h
                     WHERE %(history_where)s
                  GROUP BY h.lead_id) AS v ON v.lead_id = l2.id
             WHERE l2.id = l.id AND %(lead_where)s
               -- rows whose dates do not change are left alone (no new row version)
               AND (%(current)s) IS DISTINCT FROM (%(computed)s)
        """, assign=SQL(", ").join(SQL("%s = v.%s", column, column) for column in columns),
            dates=SQL(", ").join(SQL("%s AS %s", date, column) for date, column in zip(dates, columns)),
            history_where=history_where, lead_where=lead_where,
            current=SQL(", ").join(SQL("l.%s", column) for column in columns),
            computed=SQL(", ").join(SQL("v.%s", column) for column in columns)))
        self.env["crm.lead"].invalidate_model(["date_reached_%s" % stage for stage in FUNNEL_STAGES])

    @api.model
    def _log_lifecycle(self, leads, previous, reason=None, track=True, initial=False):
        """One history row per lead moved to its current stage from
        ``previous[lead.id]``, in one insert; when ``track`` (and not the
        initial row), a chatter line per lead with the change tracked like
        any tracked field, in one insert of messages and one of values."""
        if not leads:
            return
        # Bulk insert (the engine moves thousands of leads at a time), then
        # the funnel dates as create would set them.
        rows = insert_rows(self.sudo(), [{
            "lead_id": lead.id,
            "from_stage": False if initial else previous[lead.id],
            "to_stage": lead.lifecycle_stage,
            "user_id": self.env.uid,
            "company_id": lead.company_id.id,
            "team_id": lead.team_id.id,
            "salesperson_id": lead.user_id.id,
            "reason_id": reason.id if reason else False,
        } for lead in leads])
        # A move out of the funnel (nurture, disqualified) adds no date: the
        # dates are the first moves into funnel stages.
        rows._sync_funnel_dates([lead.id for lead in leads if lead.lifecycle_stage in FUNNEL_STAGES])
        if not initial:
            # Handed to sales: out of nurture tracks at once, not at the next job.
            self.env["crm.nurture.enrollment"]._exit_on_lifecycle(leads)
        if initial or not track:
            return
        # One line per lead, tracked like any tracked field, written in bulk:
        # a batch of the engine moves thousands of leads.
        Tracking = self.env["mail.tracking.value"].sudo()
        field_info = leads.fields_get(["lifecycle_stage"])["lifecycle_stage"]
        moves = {}  # (from, to) -> tracking values: a batch makes few distinct moves
        for lead in leads:
            move = (previous[lead.id], lead.lifecycle_stage)
            if move not in moves:
                moves[move] = Tracking._create_tracking_values(*move, "lifecycle_stage", field_info, lead)
        leads._message_log_bulk(
            dict.fromkeys(leads.ids, ""),
            tracking_values={lead.id: [moves[previous[lead.id], lead.lifecycle_stage]] for lead in leads})

    @api.model
    def _lifecycle_init_existing(self):
        """Install: existing leads get the stage Odoo's state gives them (won,
        lost, opportunity, else lead: no definition exists yet) and a first
        history row dated at their creation. Set-based SQL: a database may
        hold millions of leads, and the ORM would write them one by one."""
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            UPDATE crm_lead AS l
               SET lifecycle_stage = CASE
                       WHEN s.is_won AND l.probability = 100 THEN 'customer'
                       WHEN NOT l.active THEN 'disqualified'
                       WHEN l.type = 'opportunity' THEN 'sql'
                       ELSE 'lead' END
              FROM crm_lead AS l2
         LEFT JOIN crm_stage AS s ON s.id = l2.stage_id
             WHERE l2.id = l.id
        """))
        self.env.cr.execute(SQL("""
            INSERT INTO crm_lead_lifecycle_history
                   (lead_id, from_stage, to_stage, date, user_id, company_id, team_id, salesperson_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT l.id, NULL, l.lifecycle_stage, l.create_date, l.create_uid, l.company_id, l.team_id,
                   l.user_id, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM crm_lead AS l
             WHERE NOT EXISTS (SELECT 1 FROM crm_lead_lifecycle_history AS h WHERE h.lead_id = l.id)
        """, uid=self.env.uid))
        self.env.invalidate_all()
        self._sync_funnel_dates()
