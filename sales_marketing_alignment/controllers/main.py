# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.http import request


class ContentShareController(http.Controller):
    @http.route("/sma/content/<int:share_id>/<string:token>", type="http", auth="public",
                methods=["GET"], sitemap=False)
    def open_shared_content(self, share_id, token, **kwargs):
        """A recipient opens a shared content item: record the access on the
        lead, then serve the file or redirect to the URL. Any other case (no
        such share, wrong token, item not published) is a plain 404 that
        records nothing and tells nothing."""
        share = request.env["crm.content.share"].sudo()._get_by_token(share_id, token)
        if not share:
            raise NotFound()
        share._record_access()
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

    def _page(self, title, body):
        html = Markup(
            "<!DOCTYPE html><html><head><meta charset='utf-8'/>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'/><title>%s</title>"
            "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em;}</style>"
            "</head><body><h1>%s</h1>%s</body></html>") % (title, title, body)
        return request.make_response(html, headers=[("Content-Type", "text/html; charset=utf-8")])

    @http.route("/sma/nurture/<int:enrollment_id>/<string:token>/topic/<int:topic_id>", type="http",
                auth="public", methods=["GET"], sitemap=False)
    def nurture_topic(self, enrollment_id, token, topic_id, **kwargs):
        """"What interests you?": the prospect picked a topic in a mail."""
        enrollment = self._enrollment_or_404(enrollment_id, token)
        topic = enrollment._offered_topics().filtered(lambda offered: offered.id == topic_id)
        if not topic:
            raise NotFound()
        enrollment._record_explicit_interest(topic)
        return self._page(_("Thank you"), Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (
            _("We will send you more about %(topic)s.", topic=topic.name),
            enrollment._public_url("preferences"), _("Tell us about other topics")))

    @http.route("/sma/nurture/<int:enrollment_id>/<string:token>/preferences", type="http",
                auth="public", methods=["GET", "POST"], sitemap=False)
    def nurture_preferences(self, enrollment_id, token, **post):
        """The preference form: the topics the prospect wants to read about."""
        enrollment = self._enrollment_or_404(enrollment_id, token)
        topics = enrollment._offered_topics()
        if request.httprequest.method == "POST":
            picked = {int(value) for value in request.httprequest.form.getlist("topic_ids") if value.isdigit()}
            enrollment._record_explicit_interest(topics.filtered(lambda topic: topic.id in picked))
            return self._page(_("Thank you"), Markup("<p>%s</p>") % _("We will send you what you asked for."))
        checkboxes = Markup().join(
            Markup("<p><label><input type='checkbox' name='topic_ids' value='%s'/> %s</label></p>") % (
                topic.id, topic.name) for topic in topics)
        form = Markup(
            "<form method='post' action='%s'><input type='hidden' name='csrf_token' value='%s'/>%s"
            "<button type='submit'>%s</button></form>") % (
            enrollment._public_url("preferences"), request.csrf_token(), checkboxes, _("Save"))
        return self._page(_("What interests you?"), form)

    @http.route("/sma/nurture/<int:enrollment_id>/<string:token>/unsubscribe", type="http",
                auth="public", methods=["GET", "POST"], csrf=False, sitemap=False)
    def nurture_unsubscribe(self, enrollment_id, token, **kwargs):
        """Unsubscribe (the mail's link, or a mail client's one-click POST):
        no more nurture mails to this prospect."""
        enrollment = self._enrollment_or_404(enrollment_id, token)
        enrollment._unsubscribe()
        return self._page(_("Unsubscribed"), Markup("<p>%s</p>") % _(
            "You will receive no more of these emails."))
