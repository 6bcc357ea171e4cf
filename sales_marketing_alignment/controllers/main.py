# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request


def _picked_topic_ids():
    """The topic ids ticked in a posted "what interests you?" form (anything
    that is not a number is ignored; the models keep only offered topics)."""
    return {int(value) for value in request.httprequest.form.getlist("topic_ids") if value.isdigit()}


class ContentShareController(http.Controller):
    """The recipient's link to a shared content item (a rep's share or a
    nurture mail): /sma/content/<share_id>/<token>.

    Where the access is recorded: viewing the content page (a GET of the
    link, as the link itself did before there was a page) records one
    access; the page's Open/Download button (.../open) serves the file or
    goes to the URL and records nothing, and posting the form records the
    explicit interests and no access. So one visit of the link is one access,
    whether or not the recipient then clicks the button.

    Any other case (no such share, a token that is not its own, an item not
    published) is a plain 404 that records nothing and tells nothing."""

    def _share_or_404(self, share_id, token):
        share = request.env["crm.content.share"].sudo()._get_by_token(share_id, token)
        if not share:
            raise NotFound()
        return share

    @http.route("/sma/content/<int:share_id>/<string:token>", type="http", auth="public",
                methods=["GET", "POST"], sitemap=False)
    def content_page(self, share_id, token, **kwargs):
        """The content page: the item's title, kind and description, the
        Open/Download button and the "what interests you?" form. Viewing it
        records the access; posting the form (CSRF-protected) records the
        ticked topics as explicit interests of the share's lead, then shows
        the same page with a thank-you."""
        share = self._share_or_404(share_id, token)
        method = request.httprequest.method
        topics = share._offered_topics()
        picked = topics.browse()
        if method == "POST":
            picked_ids = _picked_topic_ids()
            share._record_explicit_interest(picked_ids)
            picked = topics.filtered(lambda topic: topic.id in picked_ids)
        elif method == "GET":  # not HEAD: a link checker's HEAD request opens nothing
            share._record_access()
        content = share.content_id
        kinds = dict(content._fields["kind"]._description_selection(request.env))
        return request.render("sales_marketing_alignment.content_page", {
            "company": content.company_id,
            "content": content,
            "kind_label": kinds.get(content.kind, ""),
            "open_url": f"/sma/content/{share.id}/{share.access_token}/open",
            "topics": topics,
            "form_action": f"/sma/content/{share.id}/{share.access_token}",
            "saved": method == "POST",
            "picked": picked,
        })

    @http.route("/sma/content/<int:share_id>/<string:token>/open", type="http", auth="public",
                methods=["GET"], sitemap=False)
    def open_shared_content(self, share_id, token, **kwargs):
        """The page's Open/Download button: serve the file or redirect to the
        URL. The access was recorded when the page was viewed."""
        share = self._share_or_404(share_id, token)
        content = share.content_id
        if content.attachment_id:
            stream = request.env["ir.binary"]._get_stream_from(content.attachment_id.sudo())
            return stream.get_response(as_attachment=False)
        return request.redirect(content.url, local=False)


class NurtureController(http.Controller):
    """The prospect's links in nurture mails. A link whose enrollment does
    not exist or whose token is not its own is a plain 404 that records
    nothing and tells nothing about who exists."""

    def _enrollment_or_404(self, enrollment_id, token):
        enrollment = request.env["crm.nurture.enrollment"].sudo()._get_by_token(enrollment_id, token)
        if not enrollment:
            raise NotFound()
        return enrollment

    def _company(self, enrollment):
        return enrollment.company_id or enrollment.lead_id.company_id or request.env.company

    @http.route("/sma/nurture/<int:enrollment_id>/<string:token>/topic/<int:topic_id>", type="http",
                auth="public", methods=["GET"], sitemap=False)
    def nurture_topic(self, enrollment_id, token, topic_id, **kwargs):
        """"What interests you?": the prospect picked a topic in a mail."""
        enrollment = self._enrollment_or_404(enrollment_id, token)
        topic = enrollment._offered_topics().filtered(lambda offered: offered.id == topic_id)
        if not topic:
            raise NotFound()
        enrollment._record_explicit_interest(topic)
        return request.render("sales_marketing_alignment.nurture_topic_page", {
            "company": self._company(enrollment),
            "topic": topic,
            "preferences_url": enrollment._public_url("preferences"),
        })

    @http.route("/sma/nurture/<int:enrollment_id>/<string:token>/preferences", type="http",
                auth="public", methods=["GET", "POST"], sitemap=False)
    def nurture_preferences(self, enrollment_id, token, **post):
        """The preference form: the topics the prospect wants to read about
        (CSRF-protected POST; the same page with a thank-you once saved)."""
        enrollment = self._enrollment_or_404(enrollment_id, token)
        topics = enrollment._offered_topics()
        picked = topics.browse()
        saved = request.httprequest.method == "POST"
        if saved:
            picked_ids = _picked_topic_ids()
            picked = topics.filtered(lambda topic: topic.id in picked_ids)
            enrollment._record_explicit_interest(picked)
        return request.render("sales_marketing_alignment.nurture_preferences_page", {
            "company": self._company(enrollment),
            "topics": topics,
            "form_action": enrollment._public_url("preferences"),
            "saved": saved,
            "picked": picked,
        })

    @http.route("/sma/nurture/<int:enrollment_id>/<string:token>/unsubscribe", type="http",
                auth="public", methods=["GET", "POST"], csrf=False, sitemap=False)
    def nurture_unsubscribe(self, enrollment_id, token, **kwargs):
        """Unsubscribe (the mail's link, or a mail client's one-click POST):
        no more nurture mails to this prospect."""
        enrollment = self._enrollment_or_404(enrollment_id, token)
        enrollment._unsubscribe()
        return request.render("sales_marketing_alignment.nurture_unsubscribed_page", {
            "company": self._company(enrollment),
        })
