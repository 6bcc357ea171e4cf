"""Nurture tracks end to end: a real SMTP sink (aiosmtpd) on 127.0.0.1, the
served demo database sending through it, and the prospect's links followed
over HTTP."""

import email
import email.policy
import http.cookiejar
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from aiosmtpd.controller import Controller


class _Sink:
    """Keeps every message the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_sink(admin):
    """An SMTP server on 127.0.0.1, made the served database's outgoing mail server."""
    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    server_id = admin.call("ir.mail_server", "create", {
        "name": "E2E sink", "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_encryption": "none",
        "sequence": 0,
    })
    try:
        yield sink
    finally:
        admin.call("ir.mail_server", "unlink", [server_id])
        controller.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _get(url, opener=None, data=None):
    """GET (or POST ``data``, a list of pairs) without following redirects:
    (status, Location, body). ``opener`` keeps the browser's cookies."""
    opener = opener or urllib.request.build_opener(_NoRedirect)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=60) as response:
            return response.status, response.headers.get("Location"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), ""


def _browser():
    """A browser's session: cookies kept (the form's CSRF token is tied to
    the session), redirects not followed."""
    return urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _received(sink, address, count, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [envelope for envelope in sink.messages if address in envelope.rcpt_tos]
        if len(found) >= count:
            return found
        time.sleep(0.5)
    return [envelope for envelope in sink.messages if address in envelope.rcpt_tos]


def _html(envelope):
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    return message.get_body(preferencelist=("html",)).get_content()


def _send_mail_queue(admin):
    """Run Odoo's mail queue job now, as its scheduler would."""
    [cron] = admin.call("ir.model.data", "search_read",
                        [("module", "=", "mail"), ("name", "=", "ir_cron_mail_scheduler_action")], fields=["res_id"])
    admin.call("ir.cron", "method_direct_trigger", [cron["res_id"]])


def test_nurture_mail_links_and_unsubscribe(odoo_server, admin, smtp_sink):
    """The job sends the step through Odoo's mail queue to the local SMTP
    server; the mail carries the lead's tracked link, topic links and an
    unsubscribe link; following them over HTTP shows the content page and
    records the access, its "what interests you?" form and the topic link
    record explicit interests, and the unsubscribe link stops the track.
    Running the job again sends nothing twice."""
    address = f"pat.{uuid.uuid4().hex[:8]}@prospect.example.com"
    [paper] = admin.call("crm.content", "search", [("name", "=", "Month-end close benchmark")])
    topic = admin.call("crm.content.topic", "create", {"name": f"E2E topic {address}"})
    form_topic = admin.call("crm.content.topic", "create", {"name": f"E2E form topic {address}"})
    admin.call("crm.content", "write", [paper], {"topic_ids": [(4, topic), (4, form_topic)]})
    lead = admin.call("crm.lead", "create", {
        "name": "E2E nurture prospect", "contact_name": "Pat Prospect", "email_from": address,
        "lifecycle_stage": "nurture",
    })
    track = admin.call("crm.nurture.track", "create", {
        "name": "E2E track", "sequence": 0, "domain": f"[('id', '=', {lead})]",
        "step_ids": [(0, 0, {"wait_days": 0, "content_ids": [(6, 0, [paper])]}),
                     (0, 0, {"wait_days": 5, "content_ids": [(6, 0, [paper])]})],
    })
    admin.call("crm.nurture.track", "action_run_now", [track])
    _send_mail_queue(admin)
    [envelope] = _received(smtp_sink, address, 1)
    html = _html(envelope)
    content_path = re.search(r"/sma/content/\d+/[\w-]+", html).group(0)
    topic_path = re.search(rf"/sma/nurture/\d+/[\w-]+/topic/{topic}", html).group(0)
    unsubscribe_path = re.search(r"/sma/nurture/\d+/[\w-]+/unsubscribe", html).group(0)

    # The content link shows the content page; viewing it is the access.
    browser = _browser()
    code, _location, page = _get(f"{odoo_server.url}{content_path}", browser)
    assert code == 200 and "Month-end close benchmark" in page and "What interests you?" in page
    open_path = re.search(r'href="(/sma/content/\d+/[\w-]+/open)"', page).group(1)
    assert open_path == f"{content_path}/open"
    code, location, _body = _get(f"{odoo_server.url}{open_path}", browser)
    assert code in (302, 303) and location == "https://example.com/content/close-benchmark.pdf"
    [access] = admin.call("crm.content.access", "search_read", [("lead_id", "=", lead)], fields=["origin"])
    assert access["origin"] == "nurture"
    [stats] = admin.call("crm.nurture.track", "read", [track], ["sent_count", "opened_count", "access_count"])
    assert (stats["sent_count"], stats["opened_count"], stats["access_count"]) == (1, 1, 1)

    # The page's form: the prospect ticks a topic; it outweighs what was inferred.
    assert f'name="topic_ids" value="{form_topic}"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    code, _location, body = _get(f"{odoo_server.url}{content_path}", browser,
                                 data=[("csrf_token", csrf), ("topic_ids", str(form_topic))])
    assert code == 200 and "Thank you!" in body
    weights = {line["topic_id"][0]: (line["implicit_weight"], line["explicit_weight"], line["weight"])
               for line in admin.call("crm.lead.interest", "search_read", [("lead_id", "=", lead)],
                                      fields=["topic_id", "implicit_weight", "explicit_weight", "weight"])}
    assert weights[form_topic] == (1, 1, 6) and weights[topic] == (1, 0, 1)
    assert admin.call("crm.content.access", "search_count", [("lead_id", "=", lead)]) == 1

    code, _location, body = _get(f"{odoo_server.url}{topic_path}")
    assert code == 200 and "E2E topic" in body
    [line] = admin.call("crm.lead.interest", "search_read", [("lead_id", "=", lead), ("topic_id", "=", topic)],
                        fields=["implicit_weight", "explicit_weight", "weight"])
    assert (line["implicit_weight"], line["explicit_weight"], line["weight"]) == (1, 1, 6)

    forged = re.sub(r"/([\w-]+)/unsubscribe", "/forged-token/unsubscribe", unsubscribe_path)
    assert _get(f"{odoo_server.url}{forged}")[0] == 404
    code, _location, body = _get(f"{odoo_server.url}{unsubscribe_path}")
    assert code == 200
    [enrollment] = admin.call("crm.nurture.enrollment", "search_read", [("lead_id", "=", lead)],
                              fields=["state", "exit_reason"])
    assert (enrollment["state"], enrollment["exit_reason"]) == ("exited", "unsubscribed")

    admin.call("crm.nurture.track", "action_run_now", [track])
    _send_mail_queue(admin)
    time.sleep(2)
    assert len(_received(smtp_sink, address, 2, timeout=2)) == 1
