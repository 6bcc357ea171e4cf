# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import secrets
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import SQL, consteq

from ..tools.constants import (
    NURTURE_EXIT_REASONS,
    NURTURE_HANDOFF_STAGES,
    NURTURE_STATES,
    RULE_ERRORS,
)
from ..tools.domain import eval_domain

_logger = logging.getLogger(__name__)

ENTRY_STAGES = {"nurture": ("nurture",), "inquiry": ("inquiry",), "both": ("nurture", "inquiry")}


class CrmNurtureEnrollment(models.Model):
    """One lead in one nurture track: the step it is at (the next one to
    send while running), when that step is due, and how it left. A lead is
    in one track at a time (a unique index on running enrollments).

    This model holds the nurture engine: enrolling, sending due steps,
    exits, the profile's explicit preferences and the public links' tokens."""

    _name = "crm.nurture.enrollment"
    _description = "Nurture Enrollment"
    _order = "date_start desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True, readonly=True)
    track_id = fields.Many2one("crm.nurture.track", required=True, ondelete="cascade", index=True, readonly=True)
    step_id = fields.Many2one(
        "crm.nurture.step", ondelete="set null", readonly=True,
        help="The next step to send while the lead is in the track; the last one sent once it left.")
    last_step_id = fields.Many2one("crm.nurture.step", string="Last Step Sent", ondelete="set null", readonly=True)
    state = fields.Selection(NURTURE_STATES, required=True, default="running", index=True, readonly=True)
    exit_reason = fields.Selection(NURTURE_EXIT_REASONS, readonly=True, index="btree_not_null")
    next_date = fields.Datetime(
        "Next Send", readonly=True, index=True,
        help="When the next step is due. Empty while the step waits for the prospect to open "
        "the previous item, and once the lead left the track.")
    date_start = fields.Datetime("Entered On", required=True, default=fields.Datetime.now, readonly=True)
    date_end = fields.Datetime("Left On", readonly=True)
    send_ids = fields.One2many("crm.nurture.send", "enrollment_id", string="Mails Sent", readonly=True)
    sent_count = fields.Integer("Sent", compute="_compute_sent_count")
    # The prospect's secret for the unsubscribe and preference links.
    access_token = fields.Char(
        required=True, copy=False, groups="base.group_system", default=lambda self: secrets.token_urlsafe(32))
    user_id = fields.Many2one(related="lead_id.user_id", string="Salesperson")
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    def init(self):
        # A lead is in one track at a time, whatever runs the job concurrently.
        self.env.cr.execute(SQL("""
            CREATE UNIQUE INDEX IF NOT EXISTS crm_nurture_enrollment_running_lead_uniq
                ON crm_nurture_enrollment (lead_id) WHERE state = 'running'
        """))

    def _compute_sent_count(self):
        counts = dict(self.env["crm.nurture.send"].sudo()._read_group(
            [("enrollment_id", "in", self.ids)], ["enrollment_id"], ["__count"]))
        for enrollment in self:
            enrollment.sent_count = counts.get(enrollment, 0)

    @api.model_create_multi
    def create(self, vals_list):
        tracks = self.env["crm.nurture.track"].sudo().browse({vals["track_id"] for vals in vals_list})
        company_by_track = {track.id: track.company_id.id for track in tracks}
        for vals in vals_list:
            vals.setdefault("company_id", company_by_track.get(vals["track_id"]))
        return super().create(vals_list)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_exit(self):
        """Marketing takes the leads out of their track (moved by a person).
        Enrollments are the engine's: nobody writes them otherwise."""
        self.check_access("read")
        if not self.env.user.has_group("sales_marketing_alignment.group_alignment_marketing"):
            raise AccessError(_("Only marketing takes a lead out of its nurture track."))
        self.sudo().filtered(lambda enrollment: enrollment.state == "running")._exit("manual")
        return True

    # ------------------------------------------------------------
    # JOB
    # ------------------------------------------------------------

    @api.model
    def _run_job(self, tracks=None, batch_size=200):
        """Exits, enrollment, sending (see crm.nurture.track._cron_nurture).
        Returns (mails sent, enrollments still due)."""
        self = self.sudo()
        self._exit_stale(tracks)
        self._enroll(tracks, batch_size)
        return self._send_due(tracks, batch_size)

    @api.model
    def _exit_stale(self, tracks=None):
        """Running enrollments whose lead left nurturing by a way no hook saw
        (blacklisted, bounced, archived...): exit them with their reason."""
        base = [("state", "=", "running")]
        if tracks:
            base.append(("track_id", "in", tracks.ids))
        for reason, domain in (
            ("handoff", [("lead_id.lifecycle_stage", "in", NURTURE_HANDOFF_STAGES)]),
            ("manual", ["|", ("lead_id.active", "=", False), ("lead_id.lifecycle_stage", "=", "disqualified")]),
            ("unsubscribed", ["|", ("lead_id.nurture_opt_out", "=", True), ("lead_id.is_blacklisted", "=", True)]),
            ("bounced", [("lead_id.message_bounce", ">", 0)]),
        ):
            enrollments = self.search(expression.AND([base, domain]))
            enrollments._exit(reason)

    @api.model
    def _entry_domain(self, track):
        """Leads that may enter ``track`` now (the track's condition raises
        when it no longer applies: the caller skips the track)."""
        Enrollment = self.sudo().with_context(active_test=False)
        running = Enrollment._search([("state", "=", "running")]).subselect(
            SQL.identifier("crm_nurture_enrollment", "lead_id"))
        been_here = Enrollment._search([("track_id", "=", track.id)]).subselect(
            SQL.identifier("crm_nurture_enrollment", "lead_id"))
        return expression.AND([
            [("lifecycle_stage", "in", ENTRY_STAGES[track.entry_stage])],
            eval_domain(track.domain, self.env),
            [("company_id", "in", [track.company_id.id, False]), ("active", "=", True),
             ("email_normalized", "!=", False), ("nurture_opt_out", "=", False),
             ("is_blacklisted", "=", False), ("message_bounce", "=", 0),
             ("id", "not in", running), ("id", "not in", been_here)],
        ])

    @api.model
    def _enroll(self, tracks=None, batch_size=200):
        """Enroll matching leads, by track priority: a lead already in a
        track (or taken by a higher-priority one in this run) stays there;
        a lead never enters the same track twice."""
        Track = self.env["crm.nurture.track"].sudo()
        tracks = (tracks.sudo() if tracks else Track.search([])).filtered("active").sorted(
            lambda track: (track.sequence, track.id))
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        enrollments = self.browse()
        for track in tracks:
            first = track.step_ids.sorted(lambda step: (step.sequence, step.id))[:1]
            if not first:
                continue
            try:
                with self.env.cr.savepoint(flush=False):
                    leads = Lead.search(self._entry_domain(track), limit=batch_size, order="id")
            except RULE_ERRORS as error:  # a condition naming a removed field: skip the track
                _logger.warning("Nurture track %s skipped: %s", track.id, error)
                continue
            if not leads:
                continue
            now = fields.Datetime.now()
            new = self.create([{
                "lead_id": lead.id, "track_id": track.id, "step_id": first.id,
                "next_date": now + timedelta(days=first.wait_days), "date_start": now,
            } for lead in leads])
            new.flush_model()  # the next track's query reads them
            enrollments |= new
            body = Markup("%s") % _("Entered nurture track \"%(track)s\".", track=track.name)
            leads._message_log_bulk(dict.fromkeys(leads.ids, body))
        return enrollments

    @api.model
    def _send_due(self, tracks=None, batch_size=200):
        """Send the due steps of at most ``batch_size`` enrollments through
        Odoo's mail queue, then move each to its next step. Enrollments are
        locked (SKIP LOCKED) and each step is recorded once (unique index):
        running the job twice, even at the same time, sends nothing twice.
        Returns (mails sent, enrollments still due)."""
        domain = [("state", "=", "running"), ("next_date", "<=", fields.Datetime.now()),
                  ("track_id.active", "=", True)]
        if tracks:
            domain.append(("track_id", "in", tracks.ids))
        candidates = self.search(domain, limit=batch_size, order="next_date, id")
        enrollments = candidates._lock()
        # Another transaction may have moved them between the search and the lock.
        enrollments = enrollments.filtered_domain(domain)
        if not enrollments:
            return 0, 0
        leads = enrollments.lead_id
        no_partner = leads.filtered(lambda lead: not lead.partner_id)
        if no_partner:
            # A share (and its token) belongs to a recipient, as when a rep shares.
            no_partner._handle_partner_assignment(create_missing=True)
        choice = enrollments._choose_contents()
        Share = self.env["crm.content.share"].sudo()
        share_vals, share_keys = [], []
        for enrollment in enrollments:
            for content in choice[enrollment.id]:
                share_vals.append({
                    "content_id": content.id, "lead_id": enrollment.lead_id.id,
                    "partner_id": enrollment.lead_id.partner_id.id, "origin": "nurture",
                })
                share_keys.append(enrollment.id)
        shares = Share.create(share_vals)
        shares_by_enrollment = defaultdict(lambda: Share)
        for enrollment_id, share in zip(share_keys, shares):
            shares_by_enrollment[enrollment_id] |= share
        mails = enrollments._create_mails(shares_by_enrollment)
        send_vals, log_bodies = [], {}
        for enrollment in enrollments:
            enrollment_shares = shares_by_enrollment[enrollment.id]
            mail = mails.get(enrollment.id)
            common = {
                "enrollment_id": enrollment.id, "track_id": enrollment.track_id.id,
                "step_id": enrollment.step_id.id, "lead_id": enrollment.lead_id.id,
                "mail_id": mail.id if mail else False, "company_id": enrollment.company_id.id,
            }
            if enrollment_shares:
                send_vals += [dict(common, content_id=share.content_id.id, share_id=share.id)
                              for share in enrollment_shares]
            elif mail:
                send_vals.append(common)
            if mail:
                log_bodies[enrollment.lead_id.id] = Markup("%s%s") % (
                    _("Nurture track \"%(track)s\": %(step)s sent", track=enrollment.track_id.name,
                      step=enrollment.step_id.name),
                    Markup("<ul>%s</ul>") % Markup().join(
                        Markup("<li>%s</li>") % share.content_id.name for share in enrollment_shares)
                    if enrollment_shares else "",
                )
        self.env["crm.nurture.send"].sudo().create(send_vals)
        if log_bodies:
            leads.browse(list(log_bodies))._message_log_bulk(log_bodies)
        enrollments._advance({enrollment.id: bool(shares_by_enrollment[enrollment.id])
                              for enrollment in enrollments})
        if mails:
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        remaining = self.search_count(domain) if len(candidates) == batch_size else 0
        return len(mails), remaining

    def _lock(self):
        """Lock the enrollments of self for this transaction (SELECT ... FOR
        UPDATE SKIP LOCKED); returns those locked, read fresh."""
        if not self:
            return self
        self.flush_model()
        self.env.cr.execute(SQL(
            "SELECT id FROM crm_nurture_enrollment WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED",
            tuple(self.ids)))
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_recordset()
        return locked

    def _choose_contents(self):
        """{enrollment id: content items to send}: published items of the
        step not sent to the lead yet (by anyone); with "choose by profile",
        the one whose topics weigh most in the lead's interests (the step's
        order breaks ties)."""
        lead_ids = self.lead_id.ids
        sent = defaultdict(set)
        for share in self.env["crm.content.share"].sudo().search_fetch(
                [("lead_id", "in", lead_ids)], ["lead_id", "content_id"]):
            sent[share.lead_id.id].add(share.content_id.id)
        weights = defaultdict(dict)
        for line in self.env["crm.lead.interest"].sudo().search_fetch(
                [("lead_id", "in", lead_ids)], ["lead_id", "topic_id", "weight"]):
            weights[line.lead_id.id][line.topic_id.id] = line.weight
        result = {}
        for enrollment in self:
            lead_id = enrollment.lead_id.id
            candidates = enrollment.step_id.content_ids.filtered(
                lambda content, lead_id=lead_id: content.state == "published" and content.active
                and content.id not in sent[lead_id])
            if enrollment.step_id.choose_by_profile and len(candidates) > 1:
                profile = weights[lead_id]
                position = {content.id: index for index, content in enumerate(candidates)}
                candidates = candidates.sorted(lambda content, profile=profile, position=position: (
                    -sum(profile.get(topic.id, 0) for topic in content.topic_ids), position[content.id]))[:1]
            result[enrollment.id] = candidates
        return result

    def _create_mails(self, shares_by_enrollment):
        """One mail.mail per enrollment with something to send (its step's
        template, its items' tracked links, the topic links and the
        unsubscribe link), queued in Odoo's mail queue. {enrollment id: mail}."""
        to_send = self.filtered(lambda enrollment: shares_by_enrollment[enrollment.id]
                                or enrollment.step_id.mail_template_id)
        if not to_send:
            return {}
        rendered = {}
        for template, enrollments in to_send.grouped(lambda enrollment: enrollment.step_id.mail_template_id).items():
            if not template:
                continue
            lead_ids = enrollments.lead_id.ids
            subjects = template._render_field("subject", lead_ids, compute_lang=True)
            bodies = template._render_field("body_html", lead_ids, compute_lang=True, engine="qweb")
            senders = template._render_field("email_from", lead_ids) if template.email_from else {}
            for lead_id in lead_ids:
                rendered[template.id, lead_id] = (subjects.get(lead_id), bodies.get(lead_id), senders.get(lead_id))
        reply_to = to_send.lead_id._notify_get_reply_to()
        topics_by_track = to_send.track_id._offered_topics()
        vals_list = []
        for enrollment in to_send:
            lead, step = enrollment.lead_id, enrollment.step_id
            shares = shares_by_enrollment[enrollment.id]
            subject, body, sender = rendered.get((step.mail_template_id.id, lead.id), (None, None, None))
            company = enrollment.company_id or lead.company_id or self.env.company
            email_from = sender or company.email_formatted or self.env.user.email_formatted
            vals_list.append({
                "subject": subject or ", ".join(shares.content_id.mapped("name")),
                "body_html": enrollment.with_context(lang=lead.lang_id.code or self.env.lang)._mail_body(
                    body, shares, topics_by_track[enrollment.track_id.id]),
                "email_from": email_from,
                "email_to": tools.formataddr((lead.contact_name or lead.partner_name or "", lead.email_normalized)),
                "reply_to": reply_to.get(lead.id) or email_from,
                "model": "crm.lead",
                "res_id": lead.id,
                "message_type": "email_outgoing",
                "mail_server_id": step.mail_template_id.mail_server_id.id,
                "headers": repr({"List-Unsubscribe": f"<{enrollment._public_url('unsubscribe')}>",
                                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}),
                "auto_delete": True,
            })
        mails = self.env["mail.mail"].sudo().create(vals_list)
        return dict(zip(to_send.ids, mails))

    def _mail_body(self, body, shares, topics):
        """The step's text, the items with the lead's own links, then "what
        interests you?" (one link per topic) and the unsubscribe link."""
        self.ensure_one()
        parts = [Markup(body)] if body else []
        if shares:
            parts.append(Markup("<ul>%s</ul>") % Markup().join(
                Markup('<li><a href="%s">%s</a>%s</li>') % (
                    share._public_url(), share.content_id.name,
                    Markup(": %s") % share.content_id.usage_scenario if share.content_id.usage_scenario else "")
                for share in shares))
        if topics:
            parts.append(Markup("<p>%s %s</p>") % (
                _("What interests you?"),
                Markup(" &middot; ").join(
                    Markup('<a href="%s">%s</a>') % (self._public_url("topic", topic.id), topic.name)
                    for topic in topics)))
        parts.append(Markup('<p style="font-size: 12px;"><a href="%s">%s</a> &middot; <a href="%s">%s</a></p>') % (
            self._public_url("preferences"), _("Tell us what you want to read"),
            self._public_url("unsubscribe"), _("Unsubscribe"),
        ))
        return Markup("").join(parts)

    def _advance(self, had_items):
        """After a send: move to the next step, due after its wait (counted
        from now, or from the prospect's first access to what was just sent),
        or finish the track. Written grouped by value."""
        now = fields.Datetime.now()
        by_vals = defaultdict(list)
        finished = self.browse()
        for enrollment in self:
            step = enrollment.step_id
            following = step._next_step()
            if not following:
                finished |= enrollment
                continue
            if following.wait_from == "access" and had_items[enrollment.id]:
                next_date = False  # set when the prospect opens the item (_on_accesses)
            else:
                next_date = now + timedelta(days=following.wait_days)
            by_vals[following.id, step.id, next_date].append(enrollment.id)
        for (step_id, last_step_id, next_date), ids in by_vals.items():
            self.browse(ids).write({"step_id": step_id, "last_step_id": last_step_id, "next_date": next_date})
        for step, enrollments in finished.grouped("step_id").items():
            enrollments.write({"last_step_id": step.id})
        finished._exit("finished")

    # ------------------------------------------------------------
    # EXITS
    # ------------------------------------------------------------

    def _exit(self, reason):
        """Leave the track (``finished``: done; any other reason: exited):
        mails still waiting in the queue are cancelled, so a lead handed to
        sales gets no nurture mail from that moment, and the lead's chatter
        says why, in one insert."""
        running = self.filtered(lambda enrollment: enrollment.state == "running")
        if not running:
            return running
        running.write({
            "state": "done" if reason == "finished" else "exited", "exit_reason": reason,
            "date_end": fields.Datetime.now(), "next_date": False,
        })
        queued = self.env["crm.nurture.send"].sudo().search(
            [("enrollment_id", "in", running.ids), ("mail_id", "!=", False)]).mail_id.filtered(
            lambda mail: mail.state == "outgoing")
        if queued:
            queued.write({"state": "cancel"})
        label = dict(self._fields["exit_reason"]._description_selection(self.env))[reason]
        running.lead_id.sudo()._message_log_bulk({
            enrollment.lead_id.id: Markup("%s") % _(
                "Left nurture track \"%(track)s\": %(reason)s.", track=enrollment.track_id.name, reason=label)
            for enrollment in running
        })
        return running

    @api.model
    def _exit_leads(self, leads, reason):
        """Exit the running enrollments of ``leads`` for ``reason``."""
        if not leads:
            return self.browse()
        return self.sudo().search([("lead_id", "in", leads.ids), ("state", "=", "running")])._exit(reason)

    @api.model
    def _exit_on_lifecycle(self, leads):
        """Lifecycle moves (called where they are logged): a lead reaching a
        sales stage leaves its track at once as handed to sales; a lead
        disqualified, as moved by a person. Nurture, inquiry and lead stay."""
        running = self.sudo().search([("lead_id", "in", leads.ids), ("state", "=", "running")])
        if not running:
            return
        running.filtered(lambda e: e.lead_id.lifecycle_stage in NURTURE_HANDOFF_STAGES)._exit("handoff")
        running.filtered(lambda e: e.lead_id.lifecycle_stage == "disqualified")._exit("manual")

    # ------------------------------------------------------------
    # PROFILE AND PUBLIC LINKS
    # ------------------------------------------------------------

    @api.model
    def _on_accesses(self, accesses):
        """Prospects opened items sent by nurture mails: count them on the
        sends (statistics), and start the wait of a next step that counts
        from an access."""
        by_share = defaultdict(list)
        for access in accesses.filtered("share_id"):
            by_share[access.share_id.id].append(access.date)
        if not by_share:
            return
        sends = self.env["crm.nurture.send"].sudo().search([("share_id", "in", list(by_share))])
        for send in sends:  # one per share: a handful per access batch
            dates = by_share[send.share_id.id]
            send.write({
                "access_count": send.access_count + len(dates),
                "date_first_access": send.date_first_access or min(dates),
            })
        waiting = sends.enrollment_id.filtered(
            lambda e: e.state == "running" and not e.next_date and e.step_id.wait_from == "access")
        for enrollment in waiting:
            opened = sends.filtered(lambda send, e=enrollment: send.enrollment_id == e
                                    and send.step_id == e.last_step_id)
            if opened:
                enrollment.write({"next_date": min(opened.mapped("date_first_access"))
                                  + timedelta(days=enrollment.step_id.wait_days)})

    @api.model
    def _get_by_token(self, enrollment_id, token):
        """The enrollment of a public link if the token is its own; an empty
        recordset otherwise (sudo: the caller is public)."""
        enrollment = self.sudo().browse(enrollment_id).exists()
        if not enrollment or not token or not consteq(enrollment.access_token, token):
            return self.browse()
        return enrollment

    def _public_url(self, action, topic_id=None):
        """The prospect's link: ``unsubscribe``, ``preferences`` or ``topic``."""
        self.ensure_one()
        url = f"{self.get_base_url()}/sma/nurture/{self.id}/{self.sudo().access_token}/{action}"
        return f"{url}/{topic_id}" if topic_id else url

    def _offered_topics(self):
        """Topics the prospect may pick: those of the track's items, else
        every active topic of its company."""
        return self.track_id._offered_topics()[self.track_id.id]

    def _record_explicit_interest(self, topics):
        """The prospect told us these topics interest them (a topic link or
        the preference form): see crm.lead.interest._record_explicit."""
        self.ensure_one()
        return self.env["crm.lead.interest"]._record_explicit(self.lead_id, topics)

    def _unsubscribe(self):
        """The prospect unsubscribed: their leads (same email, same company)
        receive no nurture mail any more and leave their tracks."""
        self.ensure_one()
        lead = self.lead_id.sudo()
        leads = lead
        if lead.email_normalized:
            leads |= lead.with_context(active_test=False).search([
                ("email_normalized", "=", lead.email_normalized), ("company_id", "=", lead.company_id.id)])
        leads.filtered(lambda record: not record.nurture_opt_out).write({"nurture_opt_out": True})
        return self._exit_leads(leads, "unsubscribed")

    # ------------------------------------------------------------
    # STATISTICS
    # ------------------------------------------------------------

    @api.model
    def _stats_by(self, group_field, ids):
        """Statistics per track (``group_field`` 'track_id') or per step
        ('step_id'): {id: {field name: value}}. Exits count for the track, and
        for the step last sent before the lead left. A few grouped reads."""
        stats = defaultdict(lambda: defaultdict(int))
        if not ids:
            return stats
        Enrollment, Send = self.sudo(), self.env["crm.nurture.send"].sudo()
        if group_field == "track_id":
            for track, count in Enrollment._read_group([("track_id", "in", ids)], ["track_id"], ["__count"]):
                stats[track.id]["entered_count"] = count
        for record, count in Enrollment._read_group(
                [(group_field, "in", ids), ("state", "=", "running")], [group_field], ["__count"]):
            stats[record.id]["running_count"] = count
        exit_field = "track_id" if group_field == "track_id" else "last_step_id"
        for record, reason, count in Enrollment._read_group(
                [(exit_field, "in", ids), ("exit_reason", "!=", False)], [exit_field, "exit_reason"], ["__count"]):
            stats[record.id][f"{reason}_count"] = count
        for record, count, accesses in Send._read_group(
                [(group_field, "in", ids)], [group_field], ["__count", "access_count:sum"]):
            stats[record.id]["sent_count"] = count
            stats[record.id]["access_count"] = accesses
        for record, count in Send._read_group(
                [(group_field, "in", ids), ("access_count", ">", 0)], [group_field], ["__count"]):
            stats[record.id]["opened_count"] = count
        won = Enrollment.search([(exit_field, "in", ids), ("exit_reason", "=", "handoff"),
                                 ("lead_id.lifecycle_stage", "=", "customer")])
        for enrollment in won:
            record_id = enrollment[exit_field].id
            stats[record_id]["won_count"] += 1
            stats[record_id]["won_revenue"] += enrollment.lead_id.expected_revenue
        return stats
