# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL


class CrmTeamMember(models.Model):
    _inherit = "crm.team.member"

    # Round-robin turn of the routing engine: a counter per team, not a date,
    # so that leads routed in the same second still take turns. The member
    # with the lowest turn goes next.
    routing_turn = fields.Integer(readonly=True, copy=False)
    routing_last_date = fields.Datetime("Last Routed Lead", readonly=True, copy=False)

    @api.model
    def _routing_lock_members(self, team):
        """The team's members who take leads, their rows locked until commit
        (in id order, so that two routings never deadlock); None when another
        transaction holds them or changed them since this one started: the
        caller leaves its leads to the routing job instead of waiting, so
        that no save waits for, or fails because of, another one."""
        members = team.sudo().crm_team_member_ids.filtered(
            lambda m: not m.assignment_optout and m.user_id.active)
        if not members:
            return members
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    "SELECT id FROM crm_team_member WHERE id IN %s ORDER BY id FOR UPDATE NOWAIT",
                    tuple(members.ids)), log_exceptions=False)
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            return None
        return members
