#!/usr/bin/env python3
"""Take real screenshots of a running Odoo for the README and the docs.

Logs in over JSON-RPC, starts a headless Chromium of its own, hands it the
session cookie and drives it over the Chrome DevTools Protocol: each page of
PAGES is opened, awaited until Odoo's web client has rendered it and saved as
a PNG under --out. Chromium and its throw-away profile are removed on exit.

    python3 tools/screenshots.py --url http://127.0.0.1:8369 --db sma_shots \\
        --login admin --password admin --out doc/images [--only campaigns.png]

Pages are addressed by the xml id of their window action, through the URL
form Odoo 18 supports: /odoo/action-<module>.<xml_id>. To document a new
screen, add an entry to PAGES.

Needs websocket-client (``pip install websocket-client``) and Chromium.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, Optional
from urllib.parse import urlsplit

import websocket

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1440, 900  # window and screenshot size, in CSS pixels
STARTUP_TIMEOUT = 30  # seconds for Chromium to open its DevTools endpoint
CALL_TIMEOUT = 30  # seconds for one DevTools command to answer
RENDER_TIMEOUT = 60  # seconds for a page to be rendered by Odoo
SETTLE_DELAY = 1.0  # seconds left after rendering for fonts and animations


class Page(NamedTuple):
    """A screen to capture: its URL path and what to scroll into view."""

    path: str
    scroll_to: Optional[str] = None  # CSS selector, scrolled to the top
    record: Optional[str] = None  # xml id of a record to open in the action's form
    click: Optional[str] = None  # CSS selector clicked once rendered (a notebook tab)


PAGES = {
    "campaigns.png": Page("/odoo/action-sales_marketing_alignment.utm_campaign_action"),
    # Odoo renders a settings <block> without its id: the Alignment block is
    # reached through its heading, the one followed by the addon's settings
    # (their ids start with "sma_").
    "settings.png": Page(
        "/odoo/action-sales_marketing_alignment.res_config_settings_action",
        scroll_to="h2:has(+ .o_settings_container [id^='sma_'])",
    ),
    "pipeline.png": Page("/odoo/action-crm.action_your_pipeline"),
    "lifecycle.png": Page("/odoo/action-sales_marketing_alignment.crm_lead_action_lifecycle"),
    "lead_form.png": Page(
        "/odoo/action-sales_marketing_alignment.crm_lead_action_lifecycle",
        scroll_to=".o_inner_group:has([name='buying_role'])",
        record="sales_marketing_alignment.demo_lead_0005",
    ),
    "quick_action.png": Page(
        "/odoo/action-sales_marketing_alignment.crm_quick_action_action",
        record="sales_marketing_alignment.quick_action_left_voicemail",
    ),
    "quick_action_uses.png": Page("/odoo/action-sales_marketing_alignment.crm_quick_action_usage_action"),
    "feedback.png": Page("/odoo/action-sales_marketing_alignment.crm_feedback_report_action"),
    "compliance.png": Page("/odoo/action-sales_marketing_alignment.crm_sla_report_action"),
    "definition.png": Page("/odoo/action-sales_marketing_alignment.crm_lead_definition_criterion_action"),
    "transitions.png": Page("/odoo/action-sales_marketing_alignment.crm_lead_lifecycle_history_action"),
    "lead_score.png": Page(
        "/odoo/action-sales_marketing_alignment.crm_lead_action_lifecycle",
        record="sales_marketing_alignment.demo_inbound_lead_00",
        click=".o_notebook a[name='alignment_scoring']",
        scroll_to=".o_notebook",
    ),
    "scoring_rules.png": Page("/odoo/action-sales_marketing_alignment.crm_scoring_rule_action"),
    "routing_rules.png": Page("/odoo/action-sales_marketing_alignment.crm_routing_rule_action"),
    "score_report.png": Page("/odoo/action-sales_marketing_alignment.crm_score_report_action"),
    "attribution.png": Page("/odoo/action-sales_marketing_alignment.crm_attribution_report_action"),
    "lead_touchpoints.png": Page(
        "/odoo/action-sales_marketing_alignment.crm_lead_action_lifecycle",
        record="sales_marketing_alignment.demo_lead_0020",
        click=".o_notebook a[name='alignment_touchpoints']",
        scroll_to=".o_notebook",
    ),
    "campaign_economics.png": Page(
        "/odoo/action-sales_marketing_alignment.utm_campaign_action",
        record="sales_marketing_alignment.campaign_webinar",
    ),
    "message_calls.png": Page("/odoo/action-sales_marketing_alignment.crm_message_report_action"),
    "message_stats.png": Page("/odoo/action-sales_marketing_alignment.crm_message_action_stats"),
    "content_usage.png": Page("/odoo/action-sales_marketing_alignment.crm_content_action_stats"),
    "content_item.png": Page(
        "/odoo/action-sales_marketing_alignment.crm_content_action",
        record="sales_marketing_alignment.content_cedar_case",
    ),
    "rep_quality.png": Page("/odoo/action-sales_marketing_alignment.crm_rep_quality_report_action"),
    "nurture_track.png": Page(
        "/odoo/action-sales_marketing_alignment.crm_nurture_track_action",
        record="sales_marketing_alignment.nurture_track_timeframe",
    ),
    "nurture_enrollments.png": Page("/odoo/action-sales_marketing_alignment.crm_nurture_enrollment_action"),
    "lead_interests.png": Page(
        "/odoo/action-sales_marketing_alignment.crm_lead_action_lifecycle",
        record="sales_marketing_alignment.demo_lead_0018",
        click=".o_notebook a[name='alignment_interests']",
        scroll_to=".o_notebook",
    ),
    "backtest.png": Page("/odoo/action-sales_marketing_alignment.crm_scoring_backtest_action",
                         record="sales_marketing_alignment.demo_scoring_backtest"),
    "dashboard.png": Page("/odoo/action-sales_marketing_alignment.crm_alignment_dashboard_action"),
    "funnel_plan.png": Page("/odoo/action-sales_marketing_alignment.crm_funnel_plan_action",
                            record="sales_marketing_alignment.demo_funnel_plan"),
}

# Evaluated in the page: where Odoo's web client is in showing the action.
RENDER_STATE_JS = """(() => {
    if (document.readyState !== "complete") return "loading";
    if (document.querySelector(".oe_login_form")) return "the login page";
    if (document.querySelector(".o_error_dialog")) return "an error dialog";
    const view = document.querySelector(".o_action_manager .o_view_controller, "
        + ".o_action_manager .o_form_view, .o_setting_container");
    if (!view) return "rendering";
    const busy = [...document.querySelectorAll(".o_loading_indicator, .o_blockUI")]
        .some((el) => el.getClientRects().length > 0);
    return busy ? "busy" : "ready";
})()"""

CLICK_JS = """((selector) => {
    const el = document.querySelector(selector);
    if (el) el.click();
    return Boolean(el);
})(%s)"""

SCROLL_JS = """((selector) => {
    const el = document.querySelector(selector);
    if (el) el.scrollIntoView({block: "start"});
    return Boolean(el);
})(%s)"""


class ScreenshotError(Exception):
    """A step failed; the message says which and why."""


def parse_args(argv=None):
    """Read the command line; --only restricts the run to one page of PAGES."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="Odoo base URL, e.g. http://127.0.0.1:8369")
    parser.add_argument("--db", required=True, help="database to log into")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", required=True, type=Path, help="directory for the PNG files")
    parser.add_argument("--only", choices=sorted(PAGES), help="take this screenshot only")
    return parser.parse_args(argv)


def authenticate(base_url, db, login, password):
    """Log in over JSON-RPC and return the value of the session_id cookie."""
    payload = {"jsonrpc": "2.0", "method": "call",
               "params": {"db": db, "login": login, "password": password}}
    request = urllib.request.Request(
        base_url + "/web/session/authenticate", data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
            body = json.load(response)
            cookies = response.headers.get_all("Set-Cookie") or []
    except (urllib.error.URLError, OSError) as exc:
        raise ScreenshotError(f"cannot reach Odoo at {base_url}: {exc}") from exc
    if body.get("error") or not (body.get("result") or {}).get("uid"):
        error = body.get("error") or {}
        message = error.get("data", {}).get("message", "wrong login or password")
        raise ScreenshotError(f"login as {login!r} on {db!r} failed: {message}")
    for cookie in cookies:
        name, _, value = cookie.split(";", 1)[0].partition("=")
        if name.strip() == "session_id":
            return value.strip()
    raise ScreenshotError("Odoo answered the login without a session_id cookie")


def resolve_record(base_url, session_id, xmlid):
    """The database id of the record with this xml id, read over JSON-RPC."""
    module, _, name = xmlid.partition(".")
    payload = {"jsonrpc": "2.0", "method": "call", "params": {
        "model": "ir.model.data", "method": "search_read",
        "args": [[("module", "=", module), ("name", "=", name)], ["res_id"]], "kwargs": {}}}
    request = urllib.request.Request(
        base_url + "/web/dataset/call_kw", data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Cookie": f"session_id={session_id}"})
    with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
        rows = json.load(response).get("result") or []
    if not rows:
        raise ScreenshotError(f"no record with xml id {xmlid!r} (is the demo data loaded?)")
    return rows[0]["res_id"]


def free_port():
    """Return a TCP port nobody listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def chromium():
    """Run a headless Chromium with a fresh profile; yield its tab's DevTools URL."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="odoo-screenshots-"))
    log_path = workdir / "chromium.log"
    command = [
        CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={workdir / 'profile'}",
        f"--remote-debugging-port={port}", f"--window-size={WIDTH},{HEIGHT}", "about:blank",
    ]
    try:
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise ScreenshotError(f"cannot start {CHROMIUM}: {exc}") from exc
    try:
        yield page_websocket_url(port, process, log_path)
    finally:
        stop_process_group(process)
        shutil.rmtree(workdir, ignore_errors=True)


def stop_process_group(process):
    """Stop the process we started and its children (its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def page_websocket_url(port, process, log_path):
    """Wait for Chromium's DevTools endpoint; return the URL of its first tab."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(errors="replace")[-2000:]
            raise ScreenshotError(f"Chromium exited with code {process.returncode}:\n{log}")
        try:
            url = f"http://127.0.0.1:{port}/json/list"
            with urllib.request.urlopen(url, timeout=2) as response:
                targets = json.load(response)
        except (urllib.error.URLError, OSError, ValueError):
            targets = []
        for target in targets:
            if target.get("type") == "page":
                return target["webSocketDebuggerUrl"]
        time.sleep(0.25)
    raise ScreenshotError(f"Chromium opened no DevTools endpoint within {STARTUP_TIMEOUT}s")


class DevTools:
    """A minimal Chrome DevTools Protocol client for one tab."""

    def __init__(self, ws_url):
        # No Origin header: Chromium refuses DevTools clients from other origins.
        self.ws = websocket.create_connection(ws_url, timeout=CALL_TIMEOUT, suppress_origin=True)
        self.last_id = 0

    def close(self):
        """Close the connection; Chromium itself is stopped by chromium()."""
        self.ws.close()

    def call(self, method, **params):
        """Send a command and return its result, skipping the events in between."""
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        deadline = time.monotonic() + CALL_TIMEOUT
        while time.monotonic() < deadline:
            try:
                message = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise ScreenshotError(f"{method} failed: {message['error'].get('message')}")
                return message["result"]
        raise ScreenshotError(f"{method} got no answer within {CALL_TIMEOUT}s")

    def evaluate(self, expression):
        """Evaluate a JavaScript expression in the page and return its value."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise ScreenshotError(f"JavaScript error: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")


def wait_until_rendered(devtools, name):
    """Poll the page until Odoo shows the view, idle; fail on login or error."""
    deadline = time.monotonic() + RENDER_TIMEOUT
    state = "not started"
    while time.monotonic() < deadline:
        state = devtools.evaluate(RENDER_STATE_JS)
        if state == "ready":
            return
        if state in ("the login page", "an error dialog"):
            raise ScreenshotError(f"{name}: Odoo shows {state} instead of the page")
        time.sleep(0.5)
    raise ScreenshotError(f"{name}: the page was never rendered within {RENDER_TIMEOUT}s "
                          f"(last state: {state})")


def prepare_tab(devtools, base_url, session_id):
    """Size the viewport like the window and give it Odoo's session cookie."""
    # Headless Chromium takes its window frame off the viewport: set it exactly.
    devtools.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)
    result = devtools.call("Network.setCookie", name="session_id", value=session_id,
                           domain=urlsplit(base_url).hostname, path="/", httpOnly=True)
    if result.get("success") is False:
        raise ScreenshotError("Chromium refused the session_id cookie")


def take_screenshot(devtools, base_url, session_id, name, page, out_dir):
    """Open one page, wait for it, scroll if asked and save it as out_dir/name."""
    path = page.path
    if page.record:
        path += "/%d" % resolve_record(base_url, session_id, page.record)
    result = devtools.call("Page.navigate", url=base_url + path)
    if result.get("errorText"):
        raise ScreenshotError(f"{name}: cannot open {path}: {result['errorText']}")
    wait_until_rendered(devtools, name)
    if page.click:
        if not devtools.evaluate(CLICK_JS % json.dumps(page.click)):
            raise ScreenshotError(f"{name}: nothing matches {page.click!r} to click")
        wait_until_rendered(devtools, name)
    if page.scroll_to and not devtools.evaluate(SCROLL_JS % json.dumps(page.scroll_to)):
        raise ScreenshotError(f"{name}: nothing matches {page.scroll_to!r} to scroll to")
    time.sleep(SETTLE_DELAY)
    png = devtools.call("Page.captureScreenshot", format="png")["data"]
    target = out_dir / name
    target.write_bytes(base64.b64decode(png))
    print(f"{target}: {path}")


def main(argv=None):
    """Take the screenshots; exit with a one-line message when a step fails."""
    args = parse_args(argv)
    # Turn a kill into an exit, so that Chromium is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("screenshots: terminated"))
    base_url = args.url.rstrip("/")
    pages = {args.only: PAGES[args.only]} if args.only else PAGES
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        session_id = authenticate(base_url, args.db, args.login, args.password)
        with chromium() as ws_url:
            devtools = DevTools(ws_url)
            try:
                prepare_tab(devtools, base_url, session_id)
                for name, page in pages.items():
                    take_screenshot(devtools, base_url, session_id, name, page, args.out)
            finally:
                devtools.close()
    except (ScreenshotError, websocket.WebSocketException, OSError) as exc:
        sys.exit(f"screenshots: {exc}")


if __name__ == "__main__":
    main()
