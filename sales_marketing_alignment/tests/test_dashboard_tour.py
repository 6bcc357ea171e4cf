# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import os
import struct
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser, save_test_file

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import reset_alignment_configuration
from .funnel_fixture import make_funnel_leads

DASHBOARD_URL = "/odoo/action-sales_marketing_alignment.crm_alignment_dashboard_action"


@tagged("post_install", "-at_install", "sma_tour")
class TestAlignmentDashboardTour(HttpCase):
    """The dashboard in Chromium, as a manager and as a rep."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reset_alignment_configuration(cls.env)
        cls.rep = mail_new_test_user(
            cls.env, login="tour_dash_rep", name="Tour Rep", email="tour.rep@example.com",
            groups="base.group_user,sales_team.group_sale_salesman")
        cls.other_rep = mail_new_test_user(
            cls.env, login="tour_dash_rep2", name="Tour Other Rep", email="tour.rep2@example.com",
            groups="base.group_user,sales_team.group_sale_salesman")
        cls.manager = mail_new_test_user(
            cls.env, login="tour_dash_manager", name="Tour Manager", email="tour.manager@example.com",
            groups="base.group_user,sales_marketing_alignment.group_alignment_manager")
        cls.team = cls.env["crm.team"].create({
            "name": "Tour Dashboard Team", "member_ids": [(6, 0, (cls.rep | cls.other_rep).ids)]})
        # This month, whatever day the test runs.
        now = fields.Datetime.now()
        start = max(now - timedelta(minutes=10), now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        make_funnel_leads(cls.env, [
            {"name": "Tour lead A", "user": cls.rep, "path": ["inquiry", "lead", "mql"], "start": start,
             "dates": [start] * 3, "values": {"date_handoff": start}},
            {"name": "Tour lead B", "user": cls.other_rep, "path": ["inquiry", "lead", "mql"], "start": start,
             "dates": [start] * 3, "values": {"date_handoff": start}},
        ], cls.team)

    def test_dashboard_is_the_first_screen_of_alignment(self):
        root = self.env.ref("sales_marketing_alignment.menu_alignment_root")
        first = root.child_id.sorted(lambda menu: (menu.sequence, menu.id))[0]
        self.assertEqual(first, self.env.ref("sales_marketing_alignment.menu_alignment_dashboard"))
        self.assertEqual(first.action, self.env.ref("sales_marketing_alignment.crm_alignment_dashboard_action"))

    def test_manager_tour(self):
        self.start_tour(DASHBOARD_URL, "sma_alignment_dashboard_manager", login="tour_dash_manager")
        png = self._screenshot(DASHBOARD_URL, "tour_dash_manager")
        self.assertEqual(struct.unpack(">II", png[16:24]), (1440, 900))

    def _screenshot(self, url_path, login):
        """The page at 1440x900 as ``login`` sees it, as PNG bytes, saved with
        the test's screenshots (Odoo's --screenshots directory) and, when the
        environment names one, as dashboard.png in SMA_SCREENSHOT_DIR (how
        doc/images/dashboard.png is refreshed)."""
        browser = ChromeBrowser(self)
        try:
            self.authenticate(login, login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser._websocket_request("Emulation.setDeviceMetricsOverride", params={
                "width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False})
            browser.navigate_to(self.base_url() + url_path, wait_stop=True)
            browser._wait_code_ok("""
                const waitRendered = () => document.querySelector(".o_sma_maturity .o_sma_stage")
                    ? setTimeout(() => console.log("test successful"), 1000) : setTimeout(waitRendered, 100);
                waitRendered();
            """, 60)
            png = base64.b64decode(browser._websocket_request(
                "Page.captureScreenshot", params={"format": "png"})["data"])
        finally:
            browser.stop()
        save_test_file(type(self).__name__, png, "dashboard_")
        if os.environ.get("SMA_SCREENSHOT_DIR"):
            (Path(os.environ["SMA_SCREENSHOT_DIR"]) / "dashboard.png").write_bytes(png)
        return png

    def test_rep_tour(self):
        self.start_tour(DASHBOARD_URL, "sma_alignment_dashboard_rep", login="tour_dash_rep")
