# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AlignmentCommon, reset_alignment_configuration

LINK_RE = re.compile(r"/sma/content/(\d+)/([\w-]+)")


@tagged("post_install", "-at_install")
class TestContent(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.industry = cls.env["res.partner.industry"].create({"name": "Test Finance"})
        cls.industry_other = cls.env["res.partner.industry"].create({"name": "Test Retail"})
        cls.customer = cls.env["res.partner"].create({"name": "Carla Customer", "email": "carla@example.com"})
        cls.message = cls.env["crm.message"].create({
            "name": "Close the books in two days",
            "problem": "Month-end close takes two weeks",
            "answer": "Reconcile continuously",
            "proof": "Acme closes in 2 days",
        })
        cls.message_2 = cls.env["crm.message"].create({"name": "No more spreadsheets"})
        cls.lead = cls.env["crm.lead"].create({
            "name": "Tag me", "type": "opportunity", "user_id": cls.user_rep.id,
            "partner_id": cls.customer.id, "team_id": cls.team.id,
        })
        cls.lead_other = cls.env["crm.lead"].create({
            "name": "Not yours", "type": "opportunity", "user_id": cls.user_rep_other.id,
            "team_id": cls.team.id,
        })
        cls.white_paper = cls.env["crm.content"].create({
            "name": "Close benchmark", "kind": "white_paper", "url": "https://example.com/benchmark.pdf",
            "usage_scenario": "Compare your close with 200 peers", "state": "published",
        })

    # ------------------------------------------------------------
    # Tagging
    # ------------------------------------------------------------

    def test_tag_call_from_lead(self):
        """A rep tags two messages on their lead in one step; the lead's
        company and the rep are recorded, the chatter is left alone."""
        messages_before = len(self.lead.message_ids)
        action = self.lead.with_user(self.user_rep).action_open_message_tag()
        self.assertEqual(action["res_model"], "crm.message.tag")
        wizard = self.env["crm.message.tag"].with_user(self.user_rep).with_context(**action["context"]).create({
            "message_ids": [(6, 0, (self.message | self.message_2).ids)],
            "reaction": "objection", "objection": "price",
        })
        wizard.action_tag()
        uses = self.lead.message_use_ids
        self.assertEqual(len(uses), 2)
        self.assertEqual(set(uses.mapped("reaction")), {"objection"})
        self.assertEqual(set(uses.mapped("objection")), {"price"})
        self.assertEqual(uses.user_id, self.user_rep)
        self.assertEqual(uses.company_id, self.lead.company_id)
        self.assertEqual(uses.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(len(self.lead.message_ids), messages_before)

    def test_tag_from_activity_done_dialog(self):
        """"Done & Tag Messages" in the activity dialog marks the call done,
        with its note logged as Odoo logs it, then opens the tagging wizard
        for the call's lead and type."""
        call = self.env.ref("mail.mail_activity_data_call")
        activity = self.lead.with_user(self.user_rep).activity_schedule(
            activity_type_id=call.id, summary="Discovery call", user_id=self.user_rep.id)
        activity.with_user(self.user_rep).write({"note": "<p>Talked about the close</p>"})
        action = activity.with_user(self.user_rep).action_done_tag_messages()
        self.assertFalse(activity.exists() and activity.active)
        done_note = self.lead.message_ids.filtered(lambda m: m.mail_activity_type_id == call)[:1]
        self.assertIn("Talked about the close", done_note.body)
        self.assertEqual(action["res_model"], "crm.message.tag")
        self.assertEqual(action["context"]["default_activity_type_id"], call.id)
        wizard = self.env["crm.message.tag"].with_user(self.user_rep).with_context(**action["context"]).create({
            "message_ids": [(6, 0, self.message.ids)], "reaction": "resonated",
        })
        wizard.action_tag()
        self.assertEqual(
            [(u.message_id, u.reaction, u.activity_type_id) for u in self.lead.message_use_ids],
            [(self.message, "resonated", call)])

    def test_objection_needs_a_key(self):
        with self.assertRaises(ValidationError):
            self.env["crm.message.use"].with_user(self.user_rep).create({
                "lead_id": self.lead.id, "message_id": self.message.id, "reaction": "objection",
            })
        with self.assertRaises(ValidationError):
            self.env["crm.message.use"].with_user(self.user_rep).create({
                "lead_id": self.lead.id, "message_id": self.message.id,
                "reaction": "neutral", "objection": "price",
            })

    def test_rep_cannot_tag_a_lead_they_cannot_write(self):
        with self.assertRaises(AccessError):
            self.env["crm.message.use"].with_user(self.user_rep).create({
                "lead_id": self.lead_other.id, "message_id": self.message.id, "reaction": "resonated",
            })
        with self.assertRaises(AccessError):
            self.lead_other.with_user(self.user_rep).action_open_message_tag()
        self.assertFalse(self.lead_other.message_use_ids)

    # ------------------------------------------------------------
    # Statistics, on a fixed fixture in a company of its own
    # ------------------------------------------------------------

    def _stats_fixture(self):
        """A company with 8 deals: used L1 (won, 1000), L2 (lost), L3 (open);
        comparable (same industry) L4 (won, 500), L5, L6, L7 (lost); L8 (won,
        other industry: not comparable)."""
        company = self.env["res.company"].create({"name": "Stats Co"})
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
        self.assertTrue(won_stage)

        def deal(name, outcome, revenue=0.0, industry=self.industry):
            lead = env["crm.lead"].create({
                "name": name, "type": "opportunity", "company_id": company.id,
                "industry_id": industry.id, "expected_revenue": revenue,
            })
            if outcome == "won":
                lead.write({"stage_id": won_stage.id})
            elif outcome == "lost":
                lead.action_set_lost()
            return lead
        leads = [
            deal("L1", "won", 1000.0), deal("L2", "lost"), deal("L3", "open"),
            deal("L4", "won", 500.0), deal("L5", "lost"), deal("L6", "lost"), deal("L7", "lost"),
            deal("L8", "won", 9000.0, self.industry_other),
        ]
        self.flush_pipeline()
        message = env["crm.message"].create({
            "name": "Finance message", "company_id": company.id, "industry_id": self.industry.id})
        content = env["crm.content"].create({
            "name": "Finance paper", "company_id": company.id, "industry_id": self.industry.id,
            "url": "https://example.com/f", "state": "published"})
        return company, env, leads, message, content

    def test_message_statistics_and_lift(self):
        company, env, leads, message, _content = self._stats_fixture()
        l1, l2, l3 = leads[:3]
        env["crm.message.use"].create([
            {"lead_id": l1.id, "message_id": message.id, "reaction": "resonated"},
            {"lead_id": l1.id, "message_id": message.id, "reaction": "resonated"},
            {"lead_id": l2.id, "message_id": message.id, "reaction": "objection", "objection": "price"},
            {"lead_id": l3.id, "message_id": message.id, "reaction": "neutral"},
        ])
        message.invalidate_recordset()
        # Uses: 4, 2 resonated -> 50%; 1 objection.
        self.assertEqual((message.use_count, message.resonance_rate, message.objection_count), (4, 50.0, 1))
        # Used in L1, L2, L3: 1 won of 2 closed -> 50%. Comparable without it:
        # L4..L7 (L8 is another industry): 1 won of 4 closed -> 25%. Lift 2.
        self.assertEqual(message.lead_count, 3)
        self.assertAlmostEqual(message.won_rate_used, 50.0)
        self.assertAlmostEqual(message.won_rate_unused, 25.0)
        self.assertAlmostEqual(message.lift, 2.0)
        self.assertAlmostEqual(message.won_revenue_used, 1000.0)
        self.assertAlmostEqual(message.avg_revenue_used, 1000.0)
        self.assertAlmostEqual(message.avg_revenue_unused, 500.0)
        # Marketing's report: objections by key, won rate of the tagged calls.
        report = env["crm.message.report"]
        groups = report._read_group(
            [("message_id", "=", message.id)], ["reaction", "objection"], ["use_count:sum"])
        self.assertEqual(sorted((r, o or "", n) for r, o, n in groups),
                         [("neutral", "", 1), ("objection", "price", 1), ("resonated", "", 2)])
        [[won_rate]] = env["crm.message.report"]._read_group(
            [("message_id", "=", message.id)], [], ["won_rate:avg"])
        # Calls on L1 (won) twice and L2 (lost) once; L3 is open: 2 / 3.
        self.assertAlmostEqual(won_rate, 200.0 / 3)
        self.assertEqual(company, message.company_id)
        # Lift by segment: the same deals, with and without the message.
        deals = env["crm.alignment.deal.report"].with_user(self.user_marketing).with_company(company)
        self.user_marketing.company_ids |= company
        rows = deals._read_group([("message_id", "=", message.id)], ["used", "industry_id"],
                                 ["deal_count:sum", "won_rate:avg"])
        self.assertEqual(sorted((used, industry.name, count, rate) for used, industry, count, rate in rows),
                         [(False, "Test Finance", 4, 25.0), (True, "Test Finance", 3, 50.0)])

    def test_content_statistics_and_lift(self):
        _company, env, leads, _message, content = self._stats_fixture()
        l1, _l2, l3 = leads[:3]
        env["crm.content.share"].create({"content_id": content.id, "lead_id": l1.id, "partner_id": self.customer.id})
        env["crm.content.access"].create({"content_id": content.id, "lead_id": l3.id, "origin": "nurture"})
        content.invalidate_recordset()
        self.assertEqual((content.share_count, content.access_count), (1, 1))
        # Used in L1 (won) and L3 (open): 1 won of 1 closed -> 100%. Without
        # it: L2, L4..L7: 1 won of 5 closed -> 20%. Lift 5.
        self.assertEqual(content.lead_count, 2)
        self.assertAlmostEqual(content.won_rate_used, 100.0)
        self.assertAlmostEqual(content.won_rate_unused, 20.0)
        self.assertAlmostEqual(content.lift, 5.0)
        self.assertAlmostEqual(content.won_revenue_used, 1000.0)
        self.assertAlmostEqual(content.avg_revenue_unused, 500.0)
        self.assertFalse(content.is_unused)

    def test_never_used_content(self):
        contents = self.env["crm.content"].create([
            {"name": name, "url": "https://example.com/x", "state": state}
            for name, state in (("recent", "published"), ("old", "published"),
                                ("never", "published"), ("draft", "draft"))
        ])
        recent, old, never, _draft = contents
        shares = self.env["crm.content.share"].create([
            {"content_id": recent.id, "lead_id": self.lead.id, "partner_id": self.customer.id},
            {"content_id": old.id, "lead_id": self.lead.id, "partner_id": self.customer.id},
        ])
        shares[1].date = fields.Datetime.now() - timedelta(days=91)
        self.assertEqual(self.env["crm.content"].search([("id", "in", contents.ids), ("is_unused", "=", True)]),
                         old | never)
        self.assertEqual(contents.filtered("is_unused"), old | never)

    def test_suggestions_by_segment_stage_and_lift(self):
        _company, env, leads, _message, content = self._stats_fixture()
        other = env["crm.content"].create({
            "name": "Any-industry paper", "company_id": content.company_id.id,
            "url": "https://example.com/a", "state": "published"})
        env["crm.content"].create({
            "name": "Retail paper", "company_id": content.company_id.id, "industry_id": self.industry_other.id,
            "url": "https://example.com/r", "state": "published"})
        env["crm.content"].create({
            "name": "Decision paper", "company_id": content.company_id.id, "buying_stage": "decision",
            "url": "https://example.com/d", "state": "published"})
        env["crm.content.share"].create({"content_id": content.id, "lead_id": leads[0].id,
                                         "partner_id": self.customer.id})
        lead = env["crm.lead"].create({
            "name": "New finance lead", "type": "lead", "company_id": content.company_id.id,
            "industry_id": self.industry.id})
        self.flush_pipeline()
        self.assertEqual(lead._content_buying_stage(), "early")
        self.assertEqual(lead.suggested_content_ids.ids, [content.id, other.id])

    def test_rep_interaction_quality(self):
        """Two calls done by the rep: one tagged and followed by a next step,
        one neither; one item shared and opened."""
        call = self.env.ref("mail.mail_activity_data_call")
        lead_b = self.env["crm.lead"].create({
            "name": "Second deal", "type": "opportunity", "user_id": self.user_rep.id, "team_id": self.team.id})
        for lead in (self.lead, lead_b):
            lead.with_user(self.user_rep).activity_schedule(
                activity_type_id=call.id, user_id=self.user_rep.id).with_user(self.user_rep).action_done()
        self.env["crm.message.use"].with_user(self.user_rep).create({
            "lead_id": self.lead.id, "message_id": self.message.id, "reaction": "resonated"})
        self.lead.with_user(self.user_rep).activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_rep.id, summary="Send the proposal")
        self.lead.with_user(self.user_rep).action_share_content(self.white_paper.ids)
        share = self.lead.content_share_ids
        self.env["crm.content.share"].browse(share.id)._record_access()
        report = self.env["crm.rep.quality.report"].with_user(self.user_sales_manager)
        [[calls, tagged, next_step, shared, opened]] = report._read_group(
            [("lead_id", "in", (self.lead | lead_b).ids), ("user_id", "=", self.user_rep.id)], [],
            ["call_count:sum", "tagged_rate:avg", "next_step_rate:avg", "share_count:sum", "accessed_count:sum"])
        self.assertEqual((calls, tagged, next_step, shared, opened), (2, 50.0, 50.0, 1, 1))
        # Response time, acceptance and conversion, by hand: lead A assigned 4 h
        # before its first touch and handed off then accepted; lead B handed
        # off, not accepted, won.
        now = fields.Datetime.now()
        self.lead.write({"date_open": now - timedelta(hours=4)})
        lead_b.write({"date_open": now - timedelta(hours=10)})
        self.lead.sudo().write({"date_first_touch": now, "date_handoff": now, "date_accepted": now})
        lead_b.sudo().write({"date_first_touch": now - timedelta(hours=8), "date_handoff": now,
                             "date_accepted": False})
        lead_b.action_set_won()
        self.env.flush_all()
        [[leads, response, accepted, won]] = report._read_group(
            [("lead_id", "in", (self.lead | lead_b).ids), ("user_id", "=", self.user_rep.id)], [],
            ["lead_count:sum", "response_hours:avg", "accepted_rate:avg", "conversion_rate:avg"])
        self.assertEqual(leads, 2)
        self.assertAlmostEqual(response, 3.0)  # (4 + 2) / 2
        self.assertEqual((accepted, won), (50.0, 50.0))
        # The rep sees their own rows, not another rep's.
        self.assertEqual(
            self.env["crm.rep.quality.report"].with_user(self.user_rep_other).search_count(
                [("lead_id", "in", (self.lead | lead_b).ids)]), 0)

    # ------------------------------------------------------------
    # Content library and sharing
    # ------------------------------------------------------------

    def test_publish_needs_file_or_url(self):
        content = self.env["crm.content"].with_user(self.user_marketing).create({"name": "Empty deck"})
        with self.assertRaises(ValidationError):
            content.action_publish()
        with self.assertRaises(ValidationError):
            self.env["crm.content"].create({"name": "Empty", "state": "published"})
        attachment = self.env["ir.attachment"].with_user(self.user_marketing).create({
            "name": "deck.pdf", "datas": base64.b64encode(b"%PDF-1.4 deck")})
        content.attachment_id = attachment
        content.action_publish()
        self.assertEqual(content.state, "published")
        self.assertEqual((attachment.res_model, attachment.res_id), ("crm.content", content.id))

    def test_file_must_be_readable_and_url_web(self):
        """The public link serves the file to anyone with a token: marketing
        may only attach files they may read, and URLs are web addresses."""
        private = self.env["ir.attachment"].create({"name": "salaries.pdf", "datas": base64.b64encode(b"secret")})
        with self.assertRaises(AccessError):
            self.env["crm.content"].with_user(self.user_marketing).create({
                "name": "Leak", "attachment_id": private.id})
        with self.assertRaises(ValidationError):
            self.env["crm.content"].create({"name": "Script", "url": "javascript:alert(1)"})

    def test_merge_keeps_tags_and_shares(self):
        twin = self.env["crm.lead"].create({
            "name": "Tag me (twin)", "type": "opportunity", "user_id": self.user_rep.id,
            "partner_id": self.customer.id})
        use = self.env["crm.message.use"].create({
            "lead_id": twin.id, "message_id": self.message.id, "reaction": "neutral"})
        share = self.env["crm.content.share"].create({
            "content_id": self.white_paper.id, "lead_id": twin.id, "partner_id": self.customer.id})
        merged = (self.lead | twin)._merge_opportunity()
        self.assertEqual((use.lead_id, share.lead_id), (merged, merged))

    def test_share_content(self):
        """The rep shares a published item: one share with its own token, a
        note in chatter, and Odoo's composer with the recipient's link."""
        lead = self.lead.with_user(self.user_rep)
        action = lead.action_share_content(self.white_paper.ids)
        share = lead.content_share_ids
        self.assertEqual((share.content_id, share.partner_id, share.user_id),
                         (self.white_paper, self.customer, self.user_rep))
        self.assertGreaterEqual(len(share.access_token), 43)
        self.assertEqual(action["res_model"], "mail.compose.message")
        body = str(action["context"]["default_body"])
        self.assertEqual(LINK_RE.search(body).groups(), (str(share.id), share.access_token))
        self.assertIn("Content shared with Carla Customer", lead.message_ids[0].body)
        composer = self.env["mail.compose.message"].with_user(self.user_rep).with_context(
            **action["context"]).create({})
        composer.action_send_mail()
        sent = lead.message_ids[0]
        self.assertIn(share.access_token, sent.body)
        self.assertEqual(sent.partner_ids, self.customer)

    def test_share_refused(self):
        draft = self.env["crm.content"].create({"name": "Draft", "url": "https://example.com/d"})
        with self.assertRaises(UserError):
            self.lead.with_user(self.user_rep).action_share_content(draft.ids)
        with self.assertRaises(AccessError):
            self.lead_other.with_user(self.user_rep).action_share_content(self.white_paper.ids)
        nobody = self.env["crm.lead"].create({"name": "No contact", "user_id": self.user_rep.id})
        with self.assertRaises(UserError):
            nobody.with_user(self.user_rep).action_share_content(self.white_paper.ids)
        self.assertFalse(self.env["crm.content.share"].search(
            [("lead_id", "in", (self.lead | self.lead_other | nobody).ids)]))

    # ------------------------------------------------------------
    # Rights
    # ------------------------------------------------------------

    def test_rights_per_role(self):
        # Marketing manages messages and content; reps read them.
        self.env["crm.message"].with_user(self.user_marketing).create({"name": "By marketing"})
        self.env["crm.content"].with_user(self.user_marketing).create({"name": "By marketing"})
        with self.assertRaises(AccessError):
            self.env["crm.message"].with_user(self.user_rep).create({"name": "By a rep"})
        with self.assertRaises(AccessError):
            self.white_paper.with_user(self.user_rep).write({"state": "retired"})
        self.assertEqual(self.message.with_user(self.user_rep).name, "Close the books in two days")
        # Reps see the tags of their own leads; marketing all.
        use = self.env["crm.message.use"].create({
            "lead_id": self.lead_other.id, "message_id": self.message.id, "reaction": "neutral"})
        self.assertFalse(self.env["crm.message.use"].with_user(self.user_rep).search([("id", "=", use.id)]))
        self.assertTrue(self.env["crm.message.use"].with_user(self.user_marketing).search([("id", "=", use.id)]))
        self.assertFalse(self.env["crm.message.report"].with_user(self.user_rep).search([("id", "=", use.id)]))
        self.assertTrue(self.env["crm.message.report"].with_user(self.user_marketing).search([("id", "=", use.id)]))
        # Statistics are for marketing and sales managers.
        with self.assertRaises(AccessError):
            self.message.with_user(self.user_rep).read(["lift"])
        self.message.with_user(self.user_sales_manager).read(["lift", "use_count"])
        # Reps cannot forge accesses.
        with self.assertRaises(AccessError):
            self.env["crm.content.access"].with_user(self.user_rep).create({
                "content_id": self.white_paper.id, "lead_id": self.lead.id})

    def test_multi_company(self):
        company_2 = self.env["res.company"].create({"name": "Other Co"})
        message_2 = self.env["crm.message"].create({"name": "Elsewhere", "company_id": company_2.id})
        content_2 = self.env["crm.content"].create({"name": "Elsewhere", "company_id": company_2.id})
        self.assertFalse(self.env["crm.message"].with_user(self.user_marketing).search([("id", "=", message_2.id)]))
        self.assertFalse(self.env["crm.content"].with_user(self.user_rep).search([("id", "=", content_2.id)]))
        lead_2 = self.env["crm.lead"].create({"name": "Elsewhere", "company_id": company_2.id})
        use = self.env["crm.message.use"].create({
            "lead_id": lead_2.id, "message_id": message_2.id, "reaction": "neutral"})
        self.assertEqual(use.company_id, company_2)
        self.assertFalse(self.env["crm.message.use"].with_user(self.user_marketing).search([("id", "=", use.id)]))


@tagged("post_install", "-at_install")
class TestContentLink(HttpCase):
    """The tracked link over real HTTP."""

    def setUp(self):
        super().setUp()
        reset_alignment_configuration(self.env)
        self.rep = mail_new_test_user(
            self.env, login="sma_link_rep", name="Lena Link", email="lena@example.com",
            groups="base.group_user,sales_team.group_sale_salesman")
        self.customer = self.env["res.partner"].create({"name": "Peter Prospect", "email": "peter@example.com"})
        self.lead = self.env["crm.lead"].create({
            "name": "Link deal", "type": "opportunity", "user_id": self.rep.id, "partner_id": self.customer.id})
        self.content = self.env["crm.content"].create({
            "name": "Benchmark", "url": "https://example.com/benchmark.pdf", "state": "published"})

    def _share(self, content):
        self.lead.with_user(self.rep).action_share_content(content.ids)
        return self.lead.content_share_ids.filtered(lambda s: s.content_id == content)

    def test_open_link_records_access(self):
        share = self._share(self.content)
        response = self.url_open(f"/sma/content/{share.id}/{share.access_token}", allow_redirects=False)
        self.assertEqual(response.status_code, 200)  # the content page: viewing it is the access
        self.assertIn("Benchmark", response.text)
        response = self.url_open(f"/sma/content/{share.id}/{share.access_token}/open", allow_redirects=False)
        self.assertIn(response.status_code, (301, 302, 303))
        self.assertEqual(response.headers["Location"], "https://example.com/benchmark.pdf")
        access = self.lead.content_access_ids
        self.assertEqual((access.content_id, access.partner_id, access.origin, access.share_id),
                         (self.content, self.customer, "rep_share", share))

    def test_open_link_serves_file(self):
        attachment = self.env["ir.attachment"].create({
            "name": "deck.pdf", "datas": base64.b64encode(b"%PDF-1.4 the deck"), "mimetype": "application/pdf"})
        content = self.env["crm.content"].create({
            "name": "Deck", "attachment_id": attachment.id, "state": "published"})
        share = self._share(content)
        response = self.url_open(f"/sma/content/{share.id}/{share.access_token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Download", response.text)
        response = self.url_open(f"/sma/content/{share.id}/{share.access_token}/open")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"%PDF-1.4 the deck")
        self.assertEqual(len(self.lead.content_access_ids), 1)

    def test_forged_token_and_retired_content(self):
        share = self._share(self.content)
        forged = share.access_token[:-4] + ("aaaa" if not share.access_token.endswith("aaaa") else "bbbb")
        for url in (f"/sma/content/{share.id}/{forged}", f"/sma/content/{share.id + 1000}/{share.access_token}",
                    f"/sma/content/{share.id}/x", f"/sma/content/{share.id}/{forged}/open"):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn(b"example.com", response.content)
        self.content.action_retire()
        response = self.url_open(f"/sma/content/{share.id}/{share.access_token}", allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.content.action_reset_draft()
        response = self.url_open(f"/sma/content/{share.id}/{share.access_token}", allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.env["crm.content.access"].search([("content_id", "=", self.content.id)]))


@tagged("post_install", "-at_install", "sma_tour")
class TestContentTour(HttpCase):
    def test_content_tour(self):
        """A rep shares a white paper from a lead through Odoo's composer and
        tags the call with a key message and an objection."""
        reset_alignment_configuration(self.env)
        rep = mail_new_test_user(
            self.env, login="content_tour_rep", password="content_tour_rep_pwd", name="Colin Content",
            email="colin@example.com", groups="base.group_user,sales_team.group_sale_salesman")
        customer = self.env["res.partner"].create({"name": "Tara Tour", "email": "tara@example.com"})
        lead = self.env["crm.lead"].create({
            "name": "Content tour deal", "type": "opportunity", "user_id": rep.id, "partner_id": customer.id})
        paper = self.env["crm.content"].create({
            "name": "Tour benchmark", "kind": "white_paper", "url": "https://example.com/tour.pdf",
            "state": "published"})
        message = self.env["crm.message"].create({"name": "Tour message"})
        self.start_tour(f"/odoo/crm/{lead.id}", "sma_content_tour", login="content_tour_rep")
        share = lead.content_share_ids
        self.assertEqual((share.content_id, share.partner_id, share.user_id), (paper, customer, rep))
        sent = lead.message_ids.filtered(lambda m: m.message_type == "comment" and share.access_token in (m.body or ""))
        self.assertEqual(sent.partner_ids, customer)
        self.assertEqual(
            [(u.message_id, u.reaction, u.objection, u.user_id) for u in lead.message_use_ids],
            [(message, "objection", "price", rep)])
