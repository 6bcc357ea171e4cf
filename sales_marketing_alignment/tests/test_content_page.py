# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import reset_alignment_configuration

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CHECKBOX_RE = re.compile(r'name="topic_ids" value="(\d+)"')


@tagged("post_install", "-at_install")
class TestContentPage(HttpCase):
    """The content page of a shared item over real HTTP: what it shows, the
    access recorded once per view (the Open button records nothing), and the
    "what interests you?" form recording explicit interests on the share's
    own lead only, for offered topics only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        reset_alignment_configuration(env)
        # The topics a database already holds (demo data) are set aside: the
        # page offers exactly the fixture's.
        env["crm.content.topic"].search([]).write({"active": False})
        Topic = env["crm.content.topic"]
        cls.topic_item = Topic.create({"name": "Page topic: customer service", "sequence": 5})
        cls.topic_other = Topic.create({"name": "Page topic: month-end close", "sequence": 1})
        cls.topic_archived = Topic.create({"name": "Page topic: archived", "active": False})
        cls.company_2 = env["res.company"].create({"name": "Page company 2"})
        cls.topic_foreign = Topic.create({"name": "Page topic: elsewhere", "company_id": cls.company_2.id})
        cls.rep = mail_new_test_user(
            env, login="sma_page_rep", name="Paula Page", email="paula@example.com",
            groups="base.group_user,sales_team.group_sale_salesman")
        cls.content = env["crm.content"].create({
            "name": "Service <b>benchmark</b>", "kind": "white_paper", "state": "published",
            "url": "https://example.com/service-benchmark.pdf",
            "usage_scenario": "Answer every ticket within the hour",
            "topic_ids": [(6, 0, cls.topic_item.ids)]})
        cls.customer = env["res.partner"].create({"name": "Pia Prospect", "email": "pia@example.com"})
        cls.other_customer = env["res.partner"].create({"name": "Otto Other", "email": "otto@example.com"})
        cls.lead = env["crm.lead"].create({
            "name": "Page deal", "type": "opportunity", "user_id": cls.rep.id, "partner_id": cls.customer.id})
        cls.other_lead = env["crm.lead"].create({
            "name": "Other deal", "type": "opportunity", "user_id": cls.rep.id,
            "partner_id": cls.other_customer.id})
        cls.share = cls._share(cls.lead)
        cls.other_share = cls._share(cls.other_lead)
        cls.page = f"/sma/content/{cls.share.id}/{cls.share.access_token}"

    @classmethod
    def _share(cls, lead):
        lead.with_user(cls.rep).action_share_content(cls.content.ids)
        return lead.content_share_ids.filtered(lambda share: share.content_id == cls.content)

    def _accesses(self, lead=None):
        return self.env["crm.content.access"].search_count([("lead_id", "=", (lead or self.lead).id)])

    def _interests(self, lead=None):
        lead = lead or self.lead
        self.env.invalidate_all()
        return {line.topic_id: (line.implicit_weight, line.explicit_weight, line.weight)
                for line in lead.interest_ids}

    def _post(self, url, topic_ids, csrf=True):
        data = {"topic_ids": [str(topic_id) for topic_id in topic_ids]}
        if csrf:
            page = self.url_open(self.page)
            data["csrf_token"] = CSRF_RE.search(page.text).group(1)
        return self.url_open(url, data=data, allow_redirects=False)

    def test_page_shows_item_and_records_access_once(self):
        response = self.url_open(self.page)
        self.assertEqual(response.status_code, 200)
        html = response.text
        # Title escaped, kind, description, the button to the item.
        self.assertIn("Service &lt;b&gt;benchmark&lt;/b&gt;", html)
        self.assertNotIn("Service <b>benchmark</b>", html)
        self.assertIn("White paper", html)
        self.assertIn("Answer every ticket within the hour", html)
        open_url = f"{self.page}/open"
        self.assertIn(f'href="{open_url}"', html)
        self.assertRegex(html, r"o_sma_content_open[^>]*>\s*Open\s*<")
        # The URL holds the token: not indexed, not sent on as Referer.
        self.assertIn('<meta name="referrer" content="no-referrer"/>', html)
        self.assertIn('<meta name="robots" content="noindex, nofollow"/>', html)
        # The item's topic first, then the company's other active topics;
        # never an archived one nor another company's.
        self.assertEqual([int(topic_id) for topic_id in CHECKBOX_RE.findall(html)],
                         [self.topic_item.id, self.topic_other.id])
        self.assertIn("What interests you?", html)
        # The view is the access: one, with its implicit interest.
        self.assertEqual(self._accesses(), 1)
        self.assertEqual(self._interests(), {self.topic_item: (1, 0, 1)})
        # The button goes to the URL and records nothing more.
        response = self.url_open(open_url, allow_redirects=False)
        self.assertIn(response.status_code, (301, 302, 303))
        self.assertEqual(response.headers["Location"], "https://example.com/service-benchmark.pdf")
        self.assertEqual(self._accesses(), 1)
        # A link checker's HEAD request records nothing; another visit is another access.
        self.assertEqual(self.url_open(self.page, head=True).status_code, 200)
        self.assertEqual(self._accesses(), 1)
        self.url_open(self.page)
        self.assertEqual(self._accesses(), 2)
        self.assertEqual(self._accesses(self.other_lead), 0)

    def test_page_of_a_file(self):
        attachment = self.env["ir.attachment"].create({
            "name": "sheet.pdf", "raw": b"%PDF-1.4 the sheet", "mimetype": "application/pdf"})
        self.content.write({"attachment_id": attachment.id, "url": False, "kind": "data_sheet"})
        response = self.url_open(self.page)
        self.assertIn("Data sheet", response.text)
        self.assertRegex(response.text, r"o_sma_content_open[^>]*>\s*Download\s*<")
        response = self.url_open(f"{self.page}/open")
        self.assertEqual((response.status_code, response.content), (200, b"%PDF-1.4 the sheet"))
        self.assertEqual(self._accesses(), 1)

    def test_form_records_explicit_interest_that_outweighs_implicit(self):
        self.url_open(self.page)  # a first visit: implicit 1 on the item's topic
        response = self._post(self.page, [self.topic_other.id])  # second visit (for the form), then the POST
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you!", response.text)
        self.assertRegex(response.text, rf'value="{self.topic_other.id}"[^>]*checked')
        # Implicit: 2 accesses to the item's topic; explicit: 1 vote, worth 5.
        self.assertEqual(self._interests(), {self.topic_item: (2, 0, 2), self.topic_other: (0, 1, 5)})
        self.assertEqual(self.lead.interest_ids[0].topic_id, self.topic_other)
        self.assertEqual(self._accesses(), 2, "posting the form records no access")
        self.assertIn("Page topic: month-end close", self.lead.message_ids[0].body)
        # Telling it again counts once; the item's topic adds its explicit vote.
        self._post(self.page, [self.topic_other.id, self.topic_item.id])
        self.assertEqual(self._interests(), {self.topic_item: (3, 1, 8), self.topic_other: (0, 1, 5)})
        self.assertFalse(self._interests(self.other_lead))

    def test_form_ignores_topics_not_offered(self):
        response = self._post(self.page, [self.topic_foreign.id, self.topic_archived.id, 999999999])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._interests(), {self.topic_item: (1, 0, 1)})
        response = self._post(self.page, ["abc", self.topic_foreign.id, self.topic_other.id])
        self.assertEqual(self._interests(), {self.topic_item: (2, 0, 2), self.topic_other: (0, 1, 5)})

    @mute_logger("odoo.http")
    def test_forged_links_record_nothing(self):
        page = self.url_open(self.page)
        csrf = CSRF_RE.search(page.text).group(1)
        before = self._interests(), self._accesses(), self._interests(self.other_lead)
        token = self.share.access_token
        forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
        data = {"csrf_token": csrf, "topic_ids": [str(self.topic_other.id)]}
        for url in (f"/sma/content/{self.share.id}/{forged}",
                    # another lead's share with this share's token
                    f"/sma/content/{self.other_share.id}/{token}",
                    f"/sma/content/{self.share.id + 100000}/{token}"):
            for suffix in ("", "/open"):
                response = self.url_open(url + suffix, allow_redirects=False)
                self.assertEqual(response.status_code, 404, url + suffix)
                self.assertNotIn("example.com", response.text)
                self.assertNotIn("Pia", response.text)
            response = self.url_open(url, data=data, allow_redirects=False)
            self.assertEqual(response.status_code, 404, url)
        # Without the CSRF token, the form is refused.
        response = self.url_open(self.page, data={"topic_ids": [str(self.topic_other.id)]}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual((self._interests(), self._accesses(), self._interests(self.other_lead)), before)
        self.assertEqual(self._accesses(self.other_lead), 0)

    @mute_logger("odoo.http")
    def test_unpublished_item_is_not_found(self):
        self.content.action_retire()
        for url in (self.page, f"{self.page}/open"):
            self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 404)
        self.assertEqual(self._accesses(), 0)
