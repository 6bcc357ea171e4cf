# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re
from datetime import datetime, timedelta

import psycopg2
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AlignmentCommon, reset_alignment_configuration

CONTENT_LINK_RE = re.compile(r"/sma/content/(\d+)/([\w-]+)")
T0 = datetime(2026, 3, 2, 9, 0, 0)


def setup_nurture_fixture(cls):
    """Topics, four published items, a lead template and a two-step track
    (step 1 at once: one of two white papers chosen by profile; step 2 three
    days later: a template and one of a demo and a case study). Tracks the
    database already has (demo data) are archived."""
    env = cls.env
    env["crm.nurture.track"].search([]).write({"active": False})
    cls.topic_service = env["crm.content.topic"].create({"name": "Test customer service", "sequence": 1})
    cls.topic_close = env["crm.content.topic"].create({"name": "Test month-end close", "sequence": 2})
    Content = env["crm.content"]
    cls.wp_service = Content.create({
        "name": "A service white paper", "kind": "white_paper", "url": "https://example.com/service.pdf",
        "state": "published", "topic_ids": [(6, 0, cls.topic_service.ids)]})
    cls.wp_close = Content.create({
        "name": "B close white paper", "kind": "white_paper", "url": "https://example.com/close.pdf",
        "state": "published", "topic_ids": [(6, 0, cls.topic_close.ids)]})
    cls.demo = Content.create({
        "name": "C service demo", "kind": "demo", "url": "https://example.com/demo",
        "state": "published", "topic_ids": [(6, 0, cls.topic_service.ids)]})
    cls.case = Content.create({
        "name": "D close case study", "kind": "case_study", "url": "https://example.com/case.pdf",
        "state": "published", "topic_ids": [(6, 0, cls.topic_close.ids)]})
    cls.template = env["mail.template"].create({
        "name": "Nurture follow-up", "model_id": env["ir.model"]._get_id("crm.lead"),
        "subject": "More for {{ object.contact_name }}", "body_html": "<p>Hello, one more read.</p>",
    })
    cls.track = env["crm.nurture.track"].create({
        "name": "Time frame delayed", "entry_stage": "nurture", "sequence": 10,
        "domain": "[('tag_ids', '=', False)]",
        "step_ids": [
            (0, 0, {"sequence": 1, "wait_days": 0, "content_ids": [(6, 0, (cls.wp_service | cls.wp_close).ids)]}),
            (0, 0, {"sequence": 2, "wait_days": 3, "mail_template_id": cls.template.id,
                    "content_ids": [(6, 0, (cls.demo | cls.case).ids)]}),
        ],
    })
    cls.step_1, cls.step_2 = cls.track.step_ids.sorted("sequence")


@tagged("post_install", "-at_install")
class TestNurture(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_nurture_fixture(cls)

    def _lead(self, name="Prospect", stage="nurture", **vals):
        email = vals.pop("email_from", f"{name.lower().replace(' ', '.')}@prospect.example.com")
        return self.env["crm.lead"].create(dict({
            "name": name, "contact_name": name, "email_from": email, "lifecycle_stage": stage,
        }, **vals))

    def _run(self):
        self.env["crm.nurture.track"]._cron_nurture()
        self.env.flush_all()

    def _mails(self, lead):
        return self.env["mail.mail"].search([("model", "=", "crm.lead"), ("res_id", "=", lead.id)], order="id")

    def _enrollment(self, lead):
        return self.env["crm.nurture.enrollment"].search([("lead_id", "=", lead.id)], order="id desc", limit=1)

    def _open(self, lead, content, date=None):
        share = self.env["crm.content.share"].search(
            [("lead_id", "=", lead.id), ("content_id", "=", content.id)], limit=1)
        self.assertTrue(share, f"{content.name} was not sent to {lead.name}")
        access = share._record_access()
        if date:
            access.write({"date": date})
        return access

    # ------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------

    def test_constraints(self):
        Track = self.env["crm.nurture.track"]
        with self.assertRaisesRegex(ValidationError, "has no steps"):
            Track.create({"name": "Empty"})
        with self.assertRaisesRegex(ValidationError, "neither a content item nor a mail template"):
            Track.create({"name": "Nothing to send", "step_ids": [(0, 0, {"wait_days": 1})]})
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            Track.create({"name": "Back in time", "step_ids": [
                (0, 0, {"wait_days": -2, "content_ids": [(6, 0, self.wp_close.ids)]})]})
        with self.assertRaisesRegex(ValidationError, "no steps"):
            self.track.copy().step_ids.unlink()
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self.track.copy({"domain": "[('name', '=',"})
        Rule = self.env["crm.scoring.rule"]
        with self.assertRaisesRegex(ValidationError, "engagement rule"):
            Rule.create({"name": "Fit on reads", "dimension": "fit", "access_min_count": 1})
        with self.assertRaisesRegex(ValidationError, "how many items"):
            Rule.create({"name": "Kind only", "dimension": "engagement", "domain": "[('id', '>', 0)]",
                         "access_content_kind": "demo"})
        with self.assertRaisesRegex(ValidationError, "empty condition"):
            Rule.create({"name": "Everyone", "dimension": "engagement"})
        # A rule on content opened alone needs no lead condition.
        Rule.create({"name": "Watched a demo", "dimension": "engagement", "access_min_count": 1,
                     "access_content_kind": "demo"})

    # ------------------------------------------------------------
    # Enrollment and sending
    # ------------------------------------------------------------

    def test_enrollment_by_priority_and_entry(self):
        """Leads in nurture matching the condition enter; inquiries, tagged
        leads, leads without email, blacklisted or opted-out leads do not; a
        lead matching two tracks enters the higher-priority one only, once."""
        tag = self.env["crm.tag"].create({"name": "Test nurture tag"})
        nurtured = self._lead("Nina Nurture")
        inquiry = self._lead("Ivan Inquiry", stage="inquiry")
        tagged_lead = self._lead("Tom Tagged", tag_ids=[(6, 0, tag.ids)])
        no_email = self._lead("Nora Noemail", email_from=False)
        blacklisted = self._lead("Bob Blacklisted")
        self.env["mail.blacklist"]._add(blacklisted.email_from)
        opted_out = self._lead("Olga Optout", nurture_opt_out=True)
        urgent = self.track.copy({"name": "Urgent first", "sequence": 1, "entry_stage": "both"})
        with freeze_time(T0):
            self._run()
        self.assertEqual(self._enrollment(nurtured).track_id, urgent)
        self.assertEqual(self._enrollment(inquiry).track_id, urgent)
        for lead in (tagged_lead, no_email, blacklisted, opted_out):
            self.assertFalse(lead.nurture_enrollment_ids, lead.name)
        self.assertFalse(self.env["crm.nurture.enrollment"].search([("track_id", "=", self.track.id)]))
        # The urgent track ends: the lead does not re-enter it, and stays out
        # of the other until the person leaves... the lower track takes it then.
        self._enrollment(nurtured).action_exit()
        with freeze_time(T0 + timedelta(hours=1)):
            self._run()
        self.assertEqual(nurtured.nurture_enrollment_ids.track_id, urgent | self.track)
        self.assertEqual(self._enrollment(nurtured).track_id, self.track)
        self.assertEqual(len(nurtured.nurture_enrollment_ids.filtered(lambda e: e.state == "running")), 1)

    def test_send_timing_and_idempotence(self):
        lead = self._lead("Sara Send")
        with freeze_time(T0):
            self._run()
            enrollment = self._enrollment(lead)
            self.assertEqual(enrollment.state, "running")
            mails = self._mails(lead)
            self.assertEqual(len(mails), 1)
            body = mails.body_html
            # The item with the lead's own tracked link (the first in the
            # step's order: the profile is empty), topics and unsubscribe.
            share = lead.content_share_ids
            self.assertEqual((share.content_id, share.origin, share.partner_id), (self.wp_service, "nurture",
                                                                                   lead.partner_id))
            self.assertIn(f"/sma/content/{share.id}/{share.access_token}", body)
            token = enrollment.access_token
            self.assertIn(f"/sma/nurture/{enrollment.id}/{token}/unsubscribe", body)
            self.assertIn(f"/sma/nurture/{enrollment.id}/{token}/topic/{self.topic_service.id}", body)
            self.assertIn(f"/sma/nurture/{enrollment.id}/{token}/topic/{self.topic_close.id}", body)
            self.assertEqual(mails.state, "outgoing")
            self.assertEqual(mails.email_to, '"Sara Send" <sara.send@prospect.example.com>')
            self.assertIn("List-Unsubscribe", mails.headers)
            self.assertEqual((enrollment.step_id, enrollment.last_step_id), (self.step_2, self.step_1))
            self.assertEqual(enrollment.next_date, T0 + timedelta(days=3))
            self.assertIn("A service white paper", lead.message_ids[0].body)
            # Running again sends nothing twice.
            self._run()
            self.assertEqual(len(self._mails(lead)), 1)
        with freeze_time(T0 + timedelta(days=2, hours=23)):
            self._run()
            self.assertEqual(len(self._mails(lead)), 1)
        with freeze_time(T0 + timedelta(days=3)):
            self._run()
            mails = self._mails(lead)
            self.assertEqual(len(mails), 2)
            self.assertEqual(mails[1].subject, "More for Sara Send")
            self.assertIn("Hello, one more read.", mails[1].body_html)
            self.assertEqual((enrollment.state, enrollment.exit_reason), ("done", "finished"))
            self.assertEqual(enrollment.step_id, self.step_2)
            self.assertFalse(enrollment.next_date)
            self._run()
            self.assertEqual(len(self._mails(lead)), 2)
        self.assertEqual(len(enrollment.send_ids), 2)

    def test_concurrent_send_recorded_once(self):
        """The same step recorded twice for an enrollment is refused by the
        database, whatever runs the job."""
        lead = self._lead("Connie Current")
        with freeze_time(T0):
            self._run()
        send = self._enrollment(lead).send_ids
        with self.assertRaises(psycopg2.IntegrityError), self.cr.savepoint(), mute_logger("odoo.sql_db"):
            send.copy()
            self.env.flush_all()

    def test_profile_driven_choice(self):
        """The step's item whose topics weigh most in the profile, not sent
        yet; what the prospect told us outweighs what they read."""
        reader = self._lead("Rita Reader")
        teller = self._lead("Tina Teller")
        shared = self._lead("Sam Shared")
        # Rita read two service items before, Tina read them too but told us
        # she wants close: 2 accesses < 1 explicit vote (weight 5).
        Interest = self.env["crm.lead.interest"]
        Interest._add_weights({(reader.id, self.topic_service.id): (2, 0, T0),
                               (teller.id, self.topic_service.id): (2, 0, T0),
                               (teller.id, self.topic_close.id): (0, 1, T0)})
        # A rep already shared the close paper with Sam.
        self.env["crm.content.share"].create({
            "content_id": self.wp_close.id, "lead_id": shared.id,
            "partner_id": self.env["res.partner"].create({"name": "Sam", "email": "sam@example.com"}).id})
        Interest._add_weights({(shared.id, self.topic_close.id): (0, 1, T0)})
        with freeze_time(T0):
            self._run()
        sent = {lead: lead.content_share_ids.filtered(lambda s: s.origin == "nurture").content_id
                for lead in (reader, teller, shared)}
        self.assertEqual(sent[reader], self.wp_service)
        self.assertEqual(sent[teller], self.wp_close)
        self.assertEqual(sent[shared], self.wp_service)
        self.assertEqual(Interest.search([("lead_id", "=", teller.id)]).mapped("weight"), [5, 2])
        # Step 2: Rita opened the service paper in between: the service demo.
        self._open(reader, self.wp_service, T0 + timedelta(days=1))
        with freeze_time(T0 + timedelta(days=3)):
            self._run()
        self.assertIn(self.demo, reader.content_share_ids.content_id)
        self.assertNotIn(self.case, reader.content_share_ids.content_id)
        self.assertIn(self.case, teller.content_share_ids.content_id)

    def test_all_items_when_not_by_profile(self):
        self.step_1.choose_by_profile = False
        lead = self._lead("Alice All")
        with freeze_time(T0):
            self._run()
        self.assertEqual(lead.content_share_ids.content_id, self.wp_service | self.wp_close)
        self.assertEqual(len(self._mails(lead)), 1)
        self.assertEqual(len(self._enrollment(lead).send_ids), 2)

    def test_wait_after_access(self):
        """A step counted from an access waits until the prospect opens what
        was sent, then its days."""
        self.step_2.write({"wait_from": "access", "wait_days": 2})
        lead = self._lead("Walter Wait")
        with freeze_time(T0):
            self._run()
        enrollment = self._enrollment(lead)
        self.assertFalse(enrollment.next_date)
        with freeze_time(T0 + timedelta(days=10)):
            self._run()
            self.assertEqual(len(self._mails(lead)), 1)
            self._open(lead, self.wp_service)
            self.assertEqual(enrollment.next_date, T0 + timedelta(days=12))
        with freeze_time(T0 + timedelta(days=12)):
            self._run()
        self.assertEqual(len(self._mails(lead)), 2)

    # ------------------------------------------------------------
    # Profile
    # ------------------------------------------------------------

    def test_accesses_build_the_profile(self):
        lead = self._lead("Paula Profile")
        with freeze_time(T0):
            self._run()
        with freeze_time(T0 + timedelta(hours=2)):
            self._open(lead, self.wp_service)
            self._open(lead, self.wp_service)
        line = lead.interest_ids
        self.assertEqual(
            (line.topic_id, line.implicit_weight, line.explicit_weight, line.weight, line.access_count,
             line.date_last_access), (self.topic_service, 2, 0, 2, 2, T0 + timedelta(hours=2)))
        self.assertEqual(lead.content_access_count, 2)
        send = self._enrollment(lead).send_ids
        self.assertEqual((send.access_count, send.date_first_access), (2, T0 + timedelta(hours=2)))
        # The prospect picks "close" twice in mails: it counts once, and outweighs.
        enrollment = self._enrollment(lead)
        enrollment._record_explicit_interest(self.topic_close)
        enrollment._record_explicit_interest(self.topic_close | self.topic_service)
        weights = {line.topic_id: (line.implicit_weight, line.explicit_weight, line.weight)
                   for line in lead.interest_ids}
        self.assertEqual(weights, {self.topic_close: (0, 1, 5), self.topic_service: (2, 1, 7)})
        self.assertIn("told us what interests them", lead.message_ids[0].body)

    # ------------------------------------------------------------
    # Exits
    # ------------------------------------------------------------

    def test_exit_handoff_at_once(self):
        """A lead handed to sales leaves at once: its queued mail is cancelled."""
        lead = self._lead("Hank Handoff")
        with freeze_time(T0):
            self._run()
        mail = self._mails(lead)
        lead.action_handoff_to_sales()
        enrollment = self._enrollment(lead)
        self.assertEqual((enrollment.state, enrollment.exit_reason), ("exited", "handoff"))
        self.assertEqual(mail.state, "cancel")
        with freeze_time(T0 + timedelta(days=3)):
            self._run()
        self.assertEqual(len(self._mails(lead)), 1)

    def test_exit_replied_bounced_manual_unsubscribed(self):
        replied, bounced, manual, archived, unsub, blacklisted = (
            self._lead(name) for name in ("Ray Replied", "Bea Bounced", "Manu Manual", "Arch Ived",
                                          "Una Unsub", "Blake Listed"))
        with freeze_time(T0):
            self._run()
        replied.message_update({"body": "Call me", "email_from": replied.email_from})
        bounced._message_receive_bounce(bounced.email_from, bounced.partner_id)
        self._enrollment(manual).with_user(self.user_marketing).action_exit()
        archived.action_archive()
        self._enrollment(unsub)._unsubscribe()
        self.env["mail.blacklist"]._add(blacklisted.email_from)
        with freeze_time(T0 + timedelta(days=3)):
            self._run()
        reasons = {lead: (self._enrollment(lead).state, self._enrollment(lead).exit_reason)
                   for lead in (replied, bounced, manual, archived, unsub, blacklisted)}
        self.assertEqual(reasons, {
            replied: ("exited", "replied"), bounced: ("exited", "bounced"), manual: ("exited", "manual"),
            archived: ("exited", "manual"), unsub: ("exited", "unsubscribed"),
            blacklisted: ("exited", "unsubscribed"),
        })
        self.assertTrue(unsub.nurture_opt_out)
        for lead in reasons:
            self.assertEqual(len(self._mails(lead)), 1, lead.name)
        self.assertIn("Moved by a person", manual.message_ids[0].body)

    def test_rep_cannot_take_lead_out(self):
        lead = self._lead("Rex Rep", user_id=self.user_rep.id)
        with freeze_time(T0):
            self._run()
        with self.assertRaises(AccessError):
            self._enrollment(lead).with_user(self.user_rep).action_exit()

    # ------------------------------------------------------------
    # Engagement scoring on the profile, hand-off
    # ------------------------------------------------------------

    def test_engagement_rule_hands_off(self):
        """"Two white papers in 30 days" (60 points, threshold 50): the second
        paper opened hands the lead to sales and takes it out of its track."""
        self.env["crm.scoring.rule"].create({
            "name": "Two white papers in 30 days", "dimension": "engagement", "points": 60,
            "access_min_count": 2, "access_content_kind": "white_paper", "access_window_days": 30,
        })
        self.env["crm.scoring.rule"].create({
            "name": "Close topic", "dimension": "engagement", "points": 5,
            "access_min_count": 1, "access_topic_id": self.topic_close.id,
        })
        self.step_1.choose_by_profile = False  # both papers in the first mail
        lead = self._lead("Eve Engaged")
        old = self._lead("Olaf Old")
        with freeze_time(T0):
            self._run()
            self.flush_pipeline()
        self.assertEqual(lead.score, 0)
        with freeze_time(T0 + timedelta(days=1)):
            self._open(lead, self.wp_service)
            self._open(old, self.wp_service, T0 - timedelta(days=40))
            self._open(old, self.wp_close)
            self.flush_pipeline()
            self.assertEqual((lead.score, lead.lifecycle_stage), (0, "nurture"))
            # Olaf's service paper is out of the window: 5 (close topic) only.
            self.assertEqual((old.score, old.lifecycle_stage), (5, "nurture"))
            self._open(lead, self.wp_service)  # the same paper again: one item
            self.flush_pipeline()
            self.assertEqual(lead.score, 0)
            self._open(lead, self.wp_close)
            self.flush_pipeline()
        self.assertEqual((lead.score, lead.lifecycle_stage), (65, "mql"))
        enrollment = self._enrollment(lead)
        self.assertEqual((enrollment.state, enrollment.exit_reason), ("exited", "handoff"))

    def test_engagement_rule_decays(self):
        """"Watched a demo" (40 points, half-life 10 days): 40 when the lead
        starts matching, 20 ten days later (the daily rescoring)."""
        self.env["crm.scoring.rule"].create({
            "name": "Watched a demo", "dimension": "engagement", "points": 40, "half_life_days": 10,
            "access_min_count": 1, "access_content_kind": "demo",
        })
        self.step_1.content_ids = self.demo
        lead = self._lead("Dora Decay")
        with freeze_time(T0):
            self._run()
            self._open(lead, self.demo)
            self.flush_pipeline()
            self.assertEqual(lead.score, 40)
        with freeze_time(T0 + timedelta(days=10, minutes=1)):
            self.run_pipeline_job()
            self.assertEqual(lead.score, 20)

    # ------------------------------------------------------------
    # Statistics, rights
    # ------------------------------------------------------------

    def test_track_statistics(self):
        """Four leads: Ann opens her item twice and is handed off then won
        (12,000); Ben opens nothing and unsubscribes; Cid finishes; Dan is
        still waiting for step 2."""
        ann, ben, cid = self._lead("Ann Stats"), self._lead("Ben Stats"), self._lead("Cid Stats")
        with freeze_time(T0):
            self._run()
        self._open(ann, self.wp_service)
        self._open(ann, self.wp_service)
        self._enrollment(ben)._unsubscribe()
        ann.write({"expected_revenue": 12000})
        ann.action_handoff_to_sales()
        ann.write({"type": "opportunity"})
        ann.action_set_won()
        self.assertEqual(ann.lifecycle_stage, "customer")
        with freeze_time(T0 + timedelta(days=3)):
            self._run()  # Cid finishes
        dan = self._lead("Dan Stats")
        with freeze_time(T0 + timedelta(days=4)):
            self._run()  # Dan enters and gets step 1
        track = self.track.with_user(self.user_marketing)
        self.assertEqual(
            (track.entered_count, track.running_count, track.sent_count, track.opened_count, track.access_count,
             track.handoff_count, track.unsubscribed_count, track.finished_count, track.won_count,
             track.won_revenue),
            (4, 1, 5, 1, 2, 1, 1, 1, 1, 12000.0))
        step_1, step_2 = self.step_1.with_user(self.user_marketing), self.step_2.with_user(self.user_marketing)
        self.assertEqual((step_1.sent_count, step_1.opened_count, step_1.access_count, step_1.handoff_count,
                          step_1.exited_count, step_1.won_revenue, step_1.running_count),
                         (4, 1, 2, 1, 1, 12000.0, 0))
        self.assertEqual((step_2.sent_count, step_2.running_count), (1, 1))
        self.assertEqual(self._enrollment(dan).step_id, self.step_2)

    def test_track_statistics_queries(self):
        """Statistics are read for all tracks and steps at once: the same
        number of queries for one track as for three (no query per track or
        step), with the figures of each track its own."""
        tracks = self.track
        for position in (1, 2):
            tracks |= self.env["crm.nurture.track"].create({
                "name": f"Query track {position}", "entry_stage": "nurture", "sequence": position,
                "domain": f"[('name', '=like', 'QT{position} %')]",
                "step_ids": [(0, 0, {"wait_days": 0, "content_ids": [(6, 0, self.wp_service.ids)]}),
                             (0, 0, {"wait_days": 3, "content_ids": [(6, 0, self.demo.ids)]})]})
        leads = self.env["crm.lead"]
        for prefix in ("QT0", "QT1", "QT2"):
            leads |= self._lead(f"{prefix} Ann") | self._lead(f"{prefix} Ben")
        with freeze_time(T0):
            self._run()
        for position, track in enumerate(tracks):
            ann = leads.filtered(lambda lead, prefix=f"QT{position} Ann": lead.name == prefix)
            self.assertEqual(self._enrollment(ann).track_id, track)
            self._open(ann, self.wp_service)
            ann.write({"expected_revenue": 1000 * (position + 1)})
            ann.action_handoff_to_sales()
            ann.write({"type": "opportunity"})
            ann.action_set_won()
        self.env.flush_all()

        def stats_queries(records):
            records = records.with_user(self.user_marketing)
            self.env.invalidate_all()
            steps = records.step_ids
            before = self.env.cr.sql_log_count
            track_stats = [(track.entered_count, track.sent_count, track.opened_count, track.handoff_count,
                            track.won_count, track.won_revenue) for track in records]
            step_stats = [(step.sent_count, step.opened_count, step.handoff_count, step.won_revenue)
                          for step in steps]
            return self.env.cr.sql_log_count - before, track_stats, step_stats

        stats_queries(tracks)  # warm the caches (access rights, rules) the counts should not include
        one, track_stats, step_stats = stats_queries(tracks[1])
        three, all_track_stats, all_step_stats = stats_queries(tracks)
        self.assertEqual(track_stats, [(2, 2, 1, 1, 1, 2000.0)])
        self.assertEqual(step_stats, [(2, 1, 1, 2000.0), (0, 0, 0, 0.0)])
        self.assertEqual(all_track_stats, [(2, 2, 1, 1, 1, 1000.0 * (n + 1)) for n in range(3)])
        self.assertEqual(one, three)
        # Tracks: 5 grouped reads (entered, running, exits, sends and accesses,
        # opened) + the won hand-offs, their enrollments' and leads' fields (3);
        # steps: the same without "entered" (7).
        self.assertEqual(three, 15)

    def test_rights_and_companies(self):
        mine = self._lead("Mia Mine", user_id=self.user_rep.id)
        other = self._lead("Oscar Other", user_id=self.user_rep_other.id)
        with freeze_time(T0):
            self._run()
        Enrollment = self.env["crm.nurture.enrollment"].with_user(self.user_rep)
        self.assertEqual(Enrollment.search([("lead_id", "in", (mine | other).ids)]).lead_id, mine)
        self.assertEqual(self.env["crm.lead.interest"].with_user(self.user_rep).search_count(
            [("lead_id", "=", other.id)]), 0)
        # A rep notes what the prospect told them on a call; what they read is the engine's.
        line = self.env["crm.lead.interest"].with_user(self.user_rep).create({
            "lead_id": mine.id, "topic_id": self.topic_close.id, "explicit_weight": 1})
        self.assertEqual(line.weight, 5)
        with self.assertRaises(AccessError):
            line.with_user(self.user_rep).write({"implicit_weight": 40})
        with self.assertRaises(AccessError):
            self.env["crm.lead.interest"].with_user(self.user_rep).create({
                "lead_id": other.id, "topic_id": self.topic_service.id, "explicit_weight": 1})
        with self.assertRaises(AccessError):
            self._enrollment(mine).with_user(self.user_marketing).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["crm.nurture.track"].with_user(self.user_rep).create({
                "name": "Rep track", "step_ids": [(0, 0, {"content_ids": [(6, 0, self.wp_close.ids)]})]})
        track = self.env["crm.nurture.track"].with_user(self.user_marketing).create({
            "name": "Marketing track", "step_ids": [(0, 0, {"content_ids": [(6, 0, self.wp_close.ids)]})]})
        self.assertEqual(track.company_id, self.env.company)
        other_company = self.env["res.company"].create({"name": "Nurture Other Co"})
        foreign = self.env["crm.nurture.track"].create({
            "name": "Foreign", "company_id": other_company.id,
            "step_ids": [(0, 0, {"mail_template_id": self.template.id})]})
        self.assertNotIn(foreign, self.env["crm.nurture.track"].with_user(self.user_marketing).search([]))


@tagged("post_install", "-at_install")
class TestNurtureLinks(HttpCase):
    """The prospect's links over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reset_alignment_configuration(cls.env)
        setup_nurture_fixture(cls)
        cls.lead = cls.env["crm.lead"].create({
            "name": "Link prospect", "contact_name": "Lou Link", "email_from": "lou@prospect.example.com",
            "lifecycle_stage": "nurture"})
        cls.env["crm.nurture.track"]._cron_nurture()
        cls.enrollment = cls.lead.nurture_enrollment_ids
        cls.base = f"/sma/nurture/{cls.enrollment.id}/{cls.enrollment.access_token}"

    def test_content_link_from_mail(self):
        mail = self.env["mail.mail"].search([("model", "=", "crm.lead"), ("res_id", "=", self.lead.id)])
        share_id, token = CONTENT_LINK_RE.search(mail.body_html).groups()
        response = self.url_open(f"/sma/content/{share_id}/{token}", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertIn("A service white paper", response.text)
        response = self.url_open(f"/sma/content/{share_id}/{token}/open", allow_redirects=False)
        self.assertEqual(response.headers["Location"], "https://example.com/service.pdf")
        self.assertEqual(len(self.lead.content_access_ids), 1)
        self.assertEqual(self.lead.content_access_ids.origin, "nurture")
        self.assertEqual(self.lead.interest_ids.topic_id, self.topic_service)

    def test_topic_link_and_preferences(self):
        response = self.url_open(f"{self.base}/topic/{self.topic_close.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Test month-end close", response.text)
        line = self.lead.interest_ids
        self.assertEqual((line.topic_id, line.explicit_weight, line.weight), (self.topic_close, 1, 5))
        response = self.url_open(f"{self.base}/preferences")
        self.assertIn('name="topic_ids"', response.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
        response = self.url_open(f"{self.base}/preferences", data={
            "csrf_token": csrf, "topic_ids": [str(self.topic_service.id), str(self.topic_close.id)]})
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you!", response.text)
        self.lead.invalidate_recordset()
        weights = {line.topic_id: line.explicit_weight for line in self.lead.interest_ids}
        self.assertEqual(weights, {self.topic_close: 1, self.topic_service: 1})

    def test_unsubscribe_link(self):
        response = self.url_open(f"{self.base}/unsubscribe")
        self.assertEqual(response.status_code, 200)
        self.assertIn("You will receive no more of these emails.", response.text)
        self.enrollment.invalidate_recordset()
        self.assertEqual((self.enrollment.state, self.enrollment.exit_reason), ("exited", "unsubscribed"))
        self.assertTrue(self.lead.nurture_opt_out)

    def test_forged_tokens(self):
        token = self.enrollment.access_token
        forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
        for url in (f"/sma/nurture/{self.enrollment.id}/{forged}/unsubscribe",
                    f"/sma/nurture/{self.enrollment.id + 1000}/{token}/unsubscribe",
                    f"/sma/nurture/{self.enrollment.id}/{forged}/topic/{self.topic_close.id}",
                    f"/sma/nurture/{self.enrollment.id}/{forged}/preferences",
                    f"{self.base}/topic/999999"):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("Link", response.text)
        self.enrollment.invalidate_recordset()
        self.assertEqual(self.enrollment.state, "running")
        self.assertFalse(self.lead.interest_ids)
        self.assertFalse(self.lead.nurture_opt_out)


@tagged("post_install", "-at_install", "sma_tour")
class TestNurtureTour(HttpCase):
    def test_nurture_tour(self):
        """Marketing builds a two-step track in the form: a white paper at
        once, a demo three days later."""
        reset_alignment_configuration(self.env)
        mail_new_test_user(
            self.env, login="nurture_tour_mkt", password="nurture_tour_mkt_pwd", name="Nadia Nurture",
            email="nadia@example.com",
            groups="base.group_user,sales_marketing_alignment.group_alignment_marketing")
        paper = self.env["crm.content"].create({
            "name": "Tour paper", "kind": "white_paper", "url": "https://example.com/p.pdf", "state": "published"})
        demo = self.env["crm.content"].create({
            "name": "Tour demo", "kind": "demo", "url": "https://example.com/d", "state": "published"})
        self.start_tour("/odoo/action-sales_marketing_alignment.crm_nurture_track_action", "sma_nurture_tour",
                        login="nurture_tour_mkt")
        track = self.env["crm.nurture.track"].search([("name", "=", "Tour track")])
        steps = track.step_ids.sorted(lambda step: (step.sequence, step.id))
        self.assertEqual([(step.content_ids, step.wait_days) for step in steps], [(paper, 0), (demo, 3)])
