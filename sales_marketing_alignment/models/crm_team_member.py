# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL

# A reservation of a transaction that committed is kept this long, for the
# routings whose snapshot began before it committed (they do not see its
# leads yet and count the reservation instead); no batch lasts that long.
RESERVATION_KEEP = timedelta(hours=1)


class CrmTeamMember(models.Model):
    _inherit = "crm.team.member"

    # Round-robin turn of the routing engine: a counter per team, not a date,
    # so that leads routed in the same second still take turns. The member
    # with the lowest turn goes next.
    routing_turn = fields.Integer(readonly=True, copy=False)
    routing_last_date = fields.Datetime("Last Routed Lead", readonly=True, copy=False)
    # Leads given to the member by routings whose transaction may not have
    # committed yet: {transaction id (xid8, as text): [leads, date]}. Another
    # routing of the team counts them in the member's capacity until its own
    # snapshot shows the leads (see crm.team._route_to_team).
    routing_reservations = fields.Json(readonly=True, copy=False)

    @api.model
    def _routing_members(self, team):
        """The team's members who take leads (not opted out, active user)."""
        return team.sudo().crm_team_member_ids.filtered(lambda m: not m.assignment_optout and m.user_id.active)

    def _routing_lock(self, team_id):
        """Lock the rows of ``self`` in this environment's transaction (NOWAIT,
        in id order, so that two routings never deadlock) and read what the
        distribution needs, as this transaction sees it: ({member id: (turn,
        reservations)}, the highest turn of team ``team_id``, opted-out members
        included). Rows this transaction cannot see (members added by a
        transaction that has not committed) are missing from the result.
        The caller never waits: (None, 0) when another transaction holds the
        rows, (False, 0) when one changed them since this transaction began
        (a serialization failure under Odoo's REPEATABLE READ)."""
        cr = self.env.cr
        # Read and locked in SQL: the rows may be newer than the ORM's cache
        # (another transaction's routing committed them); pending ORM writes go first.
        self.flush_model(["routing_turn", "routing_reservations"])
        try:
            with cr.savepoint(flush=False):
                cr.execute(SQL("""
                    SELECT id, routing_turn, routing_reservations,
                           (SELECT MAX(routing_turn) FROM crm_team_member WHERE crm_team_id = %s)
                      FROM crm_team_member
                     WHERE id IN %s
                  ORDER BY id
                       FOR UPDATE NOWAIT
                """, team_id, tuple(self.ids)), log_exceptions=False)
                fetched = cr.fetchall()
        except psycopg2.errors.LockNotAvailable:
            return None, 0
        except psycopg2.errors.SerializationFailure:
            return False, 0
        rows = {row[0]: (row[1] or 0, row[2] or {}) for row in fetched}
        return rows, max([row[3] or 0 for row in fetched] or [0])

    @api.model
    def _routing_reservations_status(self, rows, snapshot):
        """{transaction id: (status, shown)} of the reservations of ``rows``
        (as ``_routing_lock`` returns them): PostgreSQL's commit status of
        the transaction ('in progress', 'committed', 'aborted' or None when
        long forgotten), and whether the snapshot ``snapshot`` (a
        pg_snapshot, as text) shows its writes."""
        xids = sorted({xid for _turn, reservations in rows.values() for xid in reservations})
        if not xids:
            return {}
        # The commit status of other transactions is only known to PostgreSQL.
        # A reservation this transaction can read was made before its own
        # snapshot began: an id past that snapshot comes from another
        # cluster (a restored copy of the database) and is treated as
        # forgotten, where pg_xact_status() would fail.
        self.env.cr.execute(SQL("""
            SELECT xid,
                   CASE WHEN xid::xid8 < pg_snapshot_xmax(pg_current_snapshot()) THEN pg_xact_status(xid::xid8) END,
                   pg_visible_in_snapshot(xid::xid8, %s::pg_snapshot)
              FROM unnest(%s::text[]) AS xid
        """, snapshot, xids))
        return {xid: (status, shown) for xid, status, shown in self.env.cr.fetchall()}

    @api.model
    def _routing_reserved(self, rows, status, own_xid):
        """{member id: leads reserved by other routings whose leads this
        routing does not see yet}: transactions still in progress, or
        committed after this routing's snapshot began. A reservation of this
        very transaction (``own_xid``: it sees its own leads), of a
        rolled-back one, or of one the snapshot shows is not counted: its
        leads are counted where they are, or nowhere."""
        return {member_id: sum(
            entry[0] for xid, entry in reservations.items()
            if xid != own_xid and status[xid][0] in ("in progress", "committed") and not status[xid][1]
        ) for member_id, (_turn, reservations) in rows.items()}

    @api.model
    def _routing_prune(self, reservations, status, now):
        """The reservations worth keeping: of transactions in progress, and of
        committed ones for RESERVATION_KEEP (a routing whose snapshot began
        before they committed still counts them); those of rolled-back and
        forgotten transactions are dropped. Pruning only keeps the column
        small: a stale entry is never counted (see ``_routing_reserved``)."""
        oldest = now - RESERVATION_KEEP
        return {xid: entry for xid, entry in reservations.items()
                if status.get(xid, ("in progress",))[0] == "in progress"
                or status[xid][0] == "committed" and fields.Datetime.to_datetime(entry[1]) >= oldest}
