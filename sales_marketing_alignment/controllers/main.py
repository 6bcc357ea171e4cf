# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from werkzeug.exceptions import NotFound

from odoo import http
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
