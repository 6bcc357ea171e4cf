# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import bisect
import json
from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

# The longest a routing's own short transaction waits for a table lock
# (rows: never, NOWAIT) before distributing in the batch's transaction.
SHORT_LOCK_TIMEOUT = "100ms"
# Fields of the team's follow-up SLA: a change replans its open leads.
SLA_FIELDS = ("use_sla", "sla_first_touch_hours", "sla_feedback_days", "resource_calendar_id")


class CrmTeam(models.Model):
    _inherit = "crm.team"

    # Follow-up SLA policy (paper 000, step 2: accountability)
    use_sla = fields.Boolean(
        "Follow-up SLA", default=True,
        help="Hold the team's leads to follow-up times. Teams without an SLA are left out of "
        "compliance figures (neither on time nor late).")
    sla_start_date = fields.Datetime(
        "SLA Since", readonly=True, copy=False, default=fields.Datetime.now,
        help="Breaches are escalated from this moment on: switching an SLA on does not escalate "
        "the past.")
    sla_first_touch_hours = fields.Float(
        "First Touch SLA (working hours)",
        default=4.0,
        help="Working hours, after a lead is assigned, to complete a first activity on it.",
    )
    sla_feedback_days = fields.Float(
        "Feedback SLA (days)",
        default=2.0,
        help="Days, after marketing hands a lead off, to accept, reject or close it.",
    )
    sla_reassign_on_breach = fields.Boolean(
        "Reassign After Second Breach",
        help="When a lead is still not touched one SLA period after its escalation, give it "
        "to the team member with the fewest open leads.",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar", string="Working Hours",
        help="Working hours of the first-touch SLA; empty: the company's.",
    )
    sla_response_median_hours = fields.Float(
        "Median Response (hours)", compute="_compute_sla_response_stats",
        help="Median time from assignment to first touch of the team's leads.")
    sla_response_avg_hours = fields.Float("Average Response (hours)", compute="_compute_sla_response_stats")
    sla_response_count = fields.Integer(
        "Leads Answered", compute="_compute_sla_response_stats",
        help="Leads with a first touch: untouched leads have no response time (not zero).")

    @api.model_create_multi
    def create(self, vals_list):
        """New teams start from their company's default SLA (Settings)."""
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            vals.setdefault("sla_first_touch_hours", company.sla_first_touch_hours)
            vals.setdefault("sla_feedback_days", company.sla_feedback_days)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("use_sla"):
            switched_on = self.filtered(lambda team: not team.use_sla)
            res = super().write(vals)
            switched_on.write({"sla_start_date": fields.Datetime.now()})
        else:
            res = super().write(vals)
        if set(SLA_FIELDS) & set(vals):
            self._sla_replan_open_leads()
        return res

    @api.model
    def _sla_init_existing(self):
        """Install: the teams a company already has had no SLA; they keep none
        until someone sets one (new teams start with the company's)."""
        self.with_context(active_test=False).search([]).write({"use_sla": False})

    @api.constrains("sla_first_touch_hours", "sla_feedback_days")
    def _check_sla(self):
        for team in self:
            if team.sla_first_touch_hours <= 0 or team.sla_feedback_days <= 0:
                raise ValidationError(_(
                    "The SLA times of team \"%(team)s\" must be greater than zero.", team=team.name))

    def _compute_sla_response_stats(self):
        # Medians are not an ORM aggregate: one SQL query for all the teams.
        stats = {}
        if self.ids:
            self.env["crm.lead"].flush_model(["team_id", "date_open", "date_first_touch"])
            self.env.cr.execute(SQL("""
                SELECT team_id,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours),
                       AVG(hours),
                       COUNT(*)
                  FROM (SELECT team_id, EXTRACT(EPOCH FROM date_first_touch - date_open) / 3600 AS hours
                          FROM crm_lead
                         WHERE team_id IN %s AND date_first_touch IS NOT NULL AND date_open IS NOT NULL
                       ) AS response
              GROUP BY team_id
            """, tuple(self.ids)))
            stats = {team_id: (median, avg, count) for team_id, median, avg, count in self.env.cr.fetchall()}
        for team in self:
            median, avg, count = stats.get(team.id, (0.0, 0.0, 0))
            team.sla_response_median_hours = median or 0.0
            team.sla_response_avg_hours = avg or 0.0
            team.sla_response_count = count

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.model
    def action_your_pipeline(self):
        """CRM's home ("My Pipeline"), as each role meets it: leads handed to
        sales show in the pipeline next to opportunities, so a rep finds what
        waits for acceptance; a sales manager outside any team sees every
        team's pipeline; marketing, outside sales teams, lands on its nurture
        queue."""
        user = self.env.user
        in_team = bool(user.sale_team_id or self.search_count([("user_id", "=", user.id)], limit=1))
        if (user.has_group("sales_marketing_alignment.group_alignment_marketing")
                and not user.has_group("sales_team.group_sale_manager") and not in_team):
            return self.env["ir.actions.actions"]._for_xml_id("sales_marketing_alignment.crm_lead_action_nurture")
        action = super().action_your_pipeline()
        action["domain"] = "['|', ('type', '=', 'opportunity'), ('lifecycle_stage', '=', 'mql')]"
        if user.has_group("sales_team.group_sale_manager") and not in_team:
            action["context"] = {key: value for key, value in action["context"].items()
                                 if key != "search_default_assigned_to_me"}
            action["help"] = False
        return action

    def action_assign_leads(self):
        """Odoo's own rule-based assignment is switched off while the
        alignment routing rules assign leads (Settings): never both."""
        if self.env["crm.routing.rule"]._routing_enabled():
            raise UserError(_(
                "Leads are assigned by the alignment routing rules. To use Odoo's rule-based "
                "assignment instead, turn off \"Alignment routing\" in CRM settings."))
        return super().action_assign_leads()

    @api.model
    def _cron_assign_leads(self, force_quota=False, creation_delta_days=7):
        if self.env["crm.routing.rule"]._routing_enabled():
            return True
        return super()._cron_assign_leads(force_quota=force_quota, creation_delta_days=creation_delta_days)

    # ------------------------------------------------------------
    # ROUTING: distribution among the team's members
    # ------------------------------------------------------------

    def _route_to_team(self, leads, rule, base):
        """Distribute ``leads`` among this team's members (not opted out),
        round-robin or by remaining capacity (``_routing_plan``), then write
        them in this transaction, one write per member. Returns the log
        values. When another transaction is distributing the team at this
        very moment, the leads are left to the routing job (``queued``)
        instead of waiting."""
        self.ensure_one()
        Log, Rule = self.env["crm.lead.routing.log"], self.env["crm.routing.rule"]
        members = self.env["crm.team.member"]._routing_members(self)
        plan = self._routing_plan(members, leads, rule) if members else ({}, leads.ids)
        if plan is None:
            # Another transaction is distributing this team: the job places them.
            leads.write(dict(base, routing_state="queued"))
            self.env.ref("sales_marketing_alignment.ir_cron_score_leads")._trigger()
            return []
        by_member, waiting = plan
        prev_users = {lead.id: lead.user_id for lead in leads}
        logs = []
        how = _("by remaining capacity") if rule.distribution == "capacity" else _("round-robin")
        for member, lead_ids in by_member.items():
            member_leads = leads.browse(lead_ids)
            Rule._write_decision(member_leads, dict(
                base, routing_state="assigned", team_id=self.id, user_id=member.user_id.id, assignment_manual=False))
            # The same reason for the member's leads: translated once.
            reason = _("Rule \"%(rule)s\" assigns it to %(user)s in team %(team)s (%(how)s).", rule=rule.name,
                       user=member.user_id.name, team=self.name, how=how)
            logs += [Log._routing_log_vals(lead, rule, "assigned", reason, previous_user=prev_users[lead.id])
                     for lead in member_leads]
        # Leads that were already waiting for this rule's team keep waiting
        # silently: no new log line at every run while the team is full.
        waiting = leads.browse(waiting).filtered(
            lambda lead: not (lead.routing_state == "team" and lead.routing_rule_id == rule))
        if waiting:
            Rule._write_decision(waiting, dict(
                base, routing_state="team", team_id=self.id, user_id=False, assignment_manual=False))
            reason = _("Rule \"%(rule)s\" sends it to team %(team)s, where nobody has room: it waits "
                       "for a salesperson.", rule=rule.name, team=self.name)
            logs += [Log._routing_log_vals(lead, rule, "team", reason, previous_user=prev_users[lead.id])
                     for lead in waiting]
        return logs

    def _routing_plan(self, members, leads, rule):
        """Choose a member for each of ``leads``: ({member: lead ids}, lead
        ids nobody has room for), or None when another transaction is
        distributing the team right now (the caller does not wait).

        The distribution (lock the members, read their turns and
        reservations, choose, advance the turns, reserve the leads given)
        runs in a short transaction of its own, committed at once, so that
        parallel workers routing to the same team hold its members' rows
        for milliseconds, not for their whole batch; the leads are then
        written in this transaction. Capacity holds across transactions:
        the leads a routing gives a member are *reserved* on the member
        (under its transaction id) and counted by the other routings until
        their snapshot shows them (``crm.team.member._routing_reserved``).
        If this transaction rolls back, the turns stay advanced (a member
        may miss a turn) and its reservations are no longer counted.

        When the short transaction cannot see every member (members added
        by this very transaction) or this transaction holds their rows
        itself, the distribution runs here instead, the rows locked until
        this transaction ends, as a single server always did."""
        cr = self.env.cr
        # This transaction's id (its reservations) and its snapshot: what
        # its own count of open leads below already shows.
        cr.execute(SQL("SELECT pg_current_xact_id()::text, pg_current_snapshot()::text"))
        own_xid, snapshot = cr.fetchone()
        open_counts = {}
        if rule.distribution == "capacity":
            # Counted in this transaction: its own assignments included.
            open_counts = dict(self.env["crm.lead"].sudo()._read_group(
                [("user_id", "in", members.user_id.ids), ("team_id", "=", self.id),
                 ("active", "=", True), ("probability", "<", 100), ("id", "not in", leads.ids)],
                ["user_id"], ["__count"]))
        args = (members, leads, rule, open_counts, own_xid, snapshot)
        for _attempt in range(3):
            with self.env.registry.cursor() as short_cr:
                # NOWAIT covers the rows only: a table lock (a module being
                # installed or updated in the batch's own transaction) must
                # not make this transaction wait either.
                short_cr.execute(SQL("SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, TRUE)",
                                     SHORT_LOCK_TIMEOUT))
                lock_timeout = short_cr.fetchone()[0]
                short_team = self.with_env(self.env(cr=short_cr))
                rows, top_turn = members.with_env(short_team.env)._routing_lock(self.id)
                if rows is False:
                    short_cr.rollback()
                    continue  # changed in the instant between snapshot and lock: a new transaction
                if rows is not None and len(rows) == len(members):
                    plan = short_team._routing_apply(rows, top_turn, *args)
                    # Put the setting back: a test's cursor commits into the test's transaction.
                    short_cr.execute(SQL("SELECT set_config('lock_timeout', %s, TRUE)", lock_timeout))
                    short_cr.commit()
                    members.invalidate_recordset(["routing_turn", "routing_last_date", "routing_reservations"])
                    return plan
                short_cr.rollback()
            break
        # Members this transaction holds or cannot share yet: the rows
        # locked here, until this transaction ends (None: held elsewhere).
        rows, top_turn = members._routing_lock(self.id)
        if not rows:
            return None
        plan = self._routing_apply(rows, top_turn, *args)
        members.invalidate_recordset(["routing_turn", "routing_last_date", "routing_reservations"])
        return plan

    def _routing_apply(self, rows, top_turn, members, leads, rule, open_counts, own_xid, snapshot):
        """The distribution proper, in this environment's transaction, which
        holds the rows of ``members`` (``rows``, ``top_turn``: as
        ``crm.team.member._routing_lock`` read them): choose the members in
        memory, then advance their turns and reserve their leads in one
        UPDATE. Returns ({member: lead ids}, lead ids waiting)."""
        Member = self.env["crm.team.member"]
        now = fields.Datetime.now()
        status = Member._routing_reservations_status(rows, snapshot)
        queue = sorted(members, key=lambda m: (rows[m.id][0], m.id))
        turn = top_turn
        room = {}
        if rule.distribution == "capacity":
            reserved = Member._routing_reserved(rows, status, own_xid)
            room = {m: m.assignment_max - open_counts.get(m.user_id, 0) - reserved.get(m.id, 0) for m in queue}
        by_member, turns, waiting = defaultdict(list), {}, []
        for lead in leads:
            if rule.distribution == "capacity":
                free = [m for m in queue if room[m] > 0]
                member = max(free, key=lambda m: room[m]) if free else None
                if member:
                    room[member] -= 1
            else:
                member = queue[0] if queue else None
            if not member:
                waiting.append(lead.id)
                continue
            queue.remove(member)
            queue.append(member)
            turn += 1
            by_member[member].append(lead.id)
            turns[member] = turn
        if by_member:
            values = []
            for member, lead_ids in by_member.items():
                reservations = Member._routing_prune(rows[member.id][1], status, now)
                count = reservations.get(own_xid, [0])[0] + len(lead_ids)
                reservations[own_xid] = [count, fields.Datetime.to_string(now)]
                values.append(SQL("(%s, %s, %s::jsonb)", member.id, turns[member], json.dumps(reservations)))
            # One statement for the members' turns and reservations, in the
            # transaction that holds their rows (the ORM's write would run on
            # the batch's records and cache). No column with a foreign key
            # changes: the statement takes no lock beyond the rows it holds.
            self.env.cr.execute(SQL("""
                UPDATE crm_team_member member
                   SET routing_turn = v.turn, routing_reservations = v.reservations, routing_last_date = %s
                  FROM (VALUES %s) AS v(id, turn, reservations)
                 WHERE member.id = v.id
            """, now, SQL(", ").join(values)))
        return by_member, waiting

    # ------------------------------------------------------------
    # FOLLOW-UP SLA
    # ------------------------------------------------------------

    def _sla_calendar(self, company):
        """The team's working hours, else the company's (None: plain hours)."""
        return self.resource_calendar_id or company.resource_calendar_id \
            or self.env.company.resource_calendar_id or None

    @api.model
    def _sla_plan_working_hours(self, calendar, hours, starts):
        """``start + hours`` of working time for each of ``starts`` (naive UTC)."""
        if not calendar:
            return [start + timedelta(hours=hours) for start in starts]
        # Read the working intervals once for the whole group, from the earliest
        # start to well past the latest (two weeks plus a week per 8 hours).
        horizon = timedelta(days=14 + 7 * int(hours // 8 + 1))
        intervals = calendar._work_intervals_batch(
            pytz.utc.localize(min(starts)), pytz.utc.localize(max(starts) + horizon))[False]
        spans = [(begin.astimezone(pytz.utc).replace(tzinfo=None), end.astimezone(pytz.utc).replace(tzinfo=None))
                 for begin, end, _meta in intervals]
        ends = [end for _begin, end in spans]
        deadlines = []
        for start in starts:
            left, deadline = timedelta(hours=hours), None
            for begin, end in spans[bisect.bisect_right(ends, start):]:
                begin = max(begin, start)
                if end - begin >= left:
                    deadline = begin + left
                    break
                left -= end - begin
            deadlines.append(deadline or start + timedelta(hours=hours))
        return deadlines

    def _sla_replan_open_leads(self):
        """The team's SLA changed: replan the deadlines of its open leads whose
        SLA is not met yet. Won, lost and met leads keep theirs: they were
        judged under the SLA of their time."""
        Lead = self.env["crm.lead"]
        leads = Lead.sudo().search([
            ("team_id", "in", self.ids), ("active", "=", True), ("stage_id.is_won", "=", False),
            ("sla_status", "!=", "met"),
        ])
        for name in ("sla_first_touch_deadline", "sla_feedback_deadline", "sla_status"):
            self.env.add_to_compute(Lead._fields[name], leads)

    @api.model
    def _cron_sla_check(self, batch_size=1000):
        """Hourly: refresh the SLA statuses time has changed, escalate new breaches
        to the team leader, reassign leads breached twice where the team asks for
        it. Idempotent (a lead is escalated once per breach level), batched, and
        robust to leads deleted or reassigned meanwhile: every step re-reads state."""
        Lead = self.env["crm.lead"]
        now = fields.Datetime.now()
        pending = Lead.search([("sla_status", "in", ("on_track", "due_soon"))])
        self.env.add_to_compute(Lead._fields["sla_status"], pending)
        pending.flush_recordset(["sla_status"])
        to_escalate = Lead.search(expression.AND([[
            ("sla_status", "=", "breached"), ("sla_escalation_count", "=", 0), ("active", "=", True),
        ], self._sla_since_domain()]), limit=batch_size)
        self._sla_escalate(to_escalate)
        second = Lead.search([
            ("sla_status", "=", "breached"), ("sla_escalation_count", "=", 1), ("active", "=", True),
            ("date_first_touch", "=", False), ("team_id.sla_reassign_on_breach", "=", True),
        ], limit=batch_size)
        # Breached a second time: one more SLA period has passed since the escalation.
        self._sla_reassign(second.filtered(
            lambda lead: lead.sla_first_touch_deadline and lead.date_open and lead.sla_escalated_on
            and now > lead.sla_escalated_on + (lead.sla_first_touch_deadline - lead.date_open)
        ))
        remaining = Lead.search_count(expression.AND([[
            ("sla_status", "=", "breached"), ("sla_escalation_count", "=", 0), ("active", "=", True),
        ], self._sla_since_domain()]))
        self.env["ir.cron"]._notify_progress(done=len(to_escalate) + len(second), remaining=remaining)

    @api.model
    def _sla_since_domain(self):
        """Leads whose deadline fell after their team's SLA started: the first
        run on an existing database, or after an SLA is switched on, does not
        escalate the past."""
        teams = self.with_context(active_test=False).search([("use_sla", "=", True)])
        return expression.OR([[
            ("team_id", "=", team.id), "|",
            ("sla_first_touch_deadline", ">=", team.sla_start_date),
            ("sla_feedback_deadline", ">=", team.sla_start_date),
        ] for team in teams]) if teams else expression.FALSE_DOMAIN

    @api.model
    def _sla_escalate(self, leads):
        """A To-Do for the team leader of each breached lead, in one create."""
        leads = leads.exists().filtered(lambda lead: lead.sla_escalation_count == 0)
        to_alert = leads.filtered(lambda lead: lead.team_id.user_id)
        for (leader, salesperson), group in to_alert.grouped(lambda lead: (lead.team_id.user_id, lead.user_id)).items():
            # Written in the team leader's language: a job has no user's language of its own.
            summary = self.with_context(lang=leader.lang or "en_US").env._(
                "SLA breached: %(salesperson)s has not followed up", salesperson=salesperson.name or "-")
            group.sudo().activity_schedule(
                "sales_marketing_alignment.mail_activity_type_sla_breach", user_id=leader.id, summary=summary)
        leads.sudo().write({"sla_escalation_count": 1, "sla_escalated_on": fields.Datetime.now()})

    @api.model
    def _sla_reassign(self, leads):
        """Give leads breached twice to the team member with the fewest open leads."""
        leads = leads.exists().filtered(lambda lead: lead.sla_escalation_count == 1 and not lead.date_first_touch)
        open_counts = dict(self.env["crm.lead"]._read_group(
            [("user_id", "in", leads.team_id.member_ids.ids), ("active", "=", True), ("probability", "<", 100)],
            ["user_id"], ["__count"]))
        by_user = defaultdict(lambda: self.env["crm.lead"])
        for lead in leads:
            members = lead.team_id.member_ids - lead.user_id
            if not members:
                continue
            user = min(members, key=lambda member: (open_counts.get(member, 0), member.id))
            open_counts[user] = open_counts.get(user, 0) + 1
            by_user[user] |= lead
        for user, user_leads in by_user.items():
            user_leads.sudo().write({"user_id": user.id, "sla_escalation_count": 2})
