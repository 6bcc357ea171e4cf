# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import secrets

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq

from ..tools.constants import ACCESS_ORIGINS
from .crm_nurture_track import OFFERED_TOPICS_LIMIT


class CrmContentShare(models.Model):
    """One content item sent to one recipient from one lead: holds the
    recipient's unguessable token of the public link
    (/sma/content/<id>/<token>: the content page, whose view records the
    access, with the Open/Download button and the "what interests you?"
    form)."""

    _name = "crm.content.share"
    _description = "Sales Content Share"
    _order = "date desc, id desc"
    _rec_name = "content_id"

    content_id = fields.Many2one("crm.content", required=True, ondelete="cascade", index=True)
    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Recipient", required=True, ondelete="cascade", index=True)
    user_id = fields.Many2one("res.users", string="Shared By", required=True, default=lambda self: self.env.user)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    # The recipient's secret: whoever holds the link opens the item, nothing else.
    access_token = fields.Char(required=True, copy=False, default=lambda self: secrets.token_urlsafe(32))
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    origin = fields.Selection(
        ACCESS_ORIGINS, required=True, default="rep_share", readonly=True,
        help="Who sent the link: a rep, or a nurture track's mail. Accesses carry it over.")

    @api.model_create_multi
    def create(self, vals_list):
        leads = self.env["crm.lead"].browse({vals["lead_id"] for vals in vals_list if vals.get("lead_id")})
        leads.check_access("write")
        company_by_lead = {lead.id: lead.company_id.id for lead in leads.sudo()}
        for vals in vals_list:
            vals["company_id"] = company_by_lead.get(vals.get("lead_id")) or False
        return super().create(vals_list)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _public_url(self):
        """The recipient's link (absolute)."""
        self.ensure_one()
        return f"{self.get_base_url()}/sma/content/{self.id}/{self.access_token}"

    def _share_body(self):
        """The mail body: one line per item, with the recipient's own link and
        the item's usage scenario."""
        lines = Markup().join(
            Markup('<li><a href="%s">%s</a>%s</li>') % (
                share._public_url(), share.content_id.name,
                Markup(": %s") % share.content_id.usage_scenario if share.content_id.usage_scenario else "",
            ) for share in self
        )
        return Markup("<p>%s</p><ul>%s</ul>") % (_("Hello, here is what we talked about:"), lines)

    @api.model
    def _get_by_token(self, share_id, token):
        """The share of a public link, if the token is its own and its item is
        published; an empty recordset otherwise (sudo: the caller is public)."""
        share = self.sudo().browse(share_id).exists()
        if not share or not token or not consteq(share.access_token, token):
            return self.browse()
        if share.content_id.state != "published" or not share.content_id.active:
            return self.browse()
        return share

    def _record_access(self):
        """The recipient opened the link: an access on the lead."""
        return self.env["crm.content.access"].sudo().create([{
            "content_id": share.content_id.id,
            "lead_id": share.lead_id.id,
            "partner_id": share.partner_id.id,
            "share_id": share.id,
            "origin": share.origin,
        } for share in self])

    def _offered_topics(self):
        """Topics the content page offers to pick ("what interests you?"):
        the item's own first, then the other active topics of its company
        (and those of every company), as many as a nurture mail offers."""
        self.ensure_one()
        content = self.sudo().content_id
        own = content.topic_ids.filtered("active").sorted(lambda topic: (topic.sequence, topic.name, topic.id))
        others = self.env["crm.content.topic"].sudo().search(
            [("company_id", "in", [content.company_id.id, False]), ("id", "not in", own.ids)])
        return (own | others)[:OFFERED_TOPICS_LIMIT]

    def _record_explicit_interest(self, topic_ids):
        """The content page's form: the recipient picked these topic ids.
        Only topics the page offered count (any other id is ignored), on the
        share's own lead, through the same method as the nurture links."""
        self.ensure_one()
        topic_ids = set(topic_ids)
        picked = self._offered_topics().filtered(lambda topic: topic.id in topic_ids)
        return self.env["crm.lead.interest"]._record_explicit(self.sudo().lead_id, picked)

    @api.model
    def _share_from_lead(self, lead, content_ids):
        """The engine of crm.lead.action_share_content: one share (with its
        own token) per item and recipient, a note in the lead's chatter, and
        Odoo's composer with the tracked links."""
        contents = self.env["crm.content"].browse(content_ids).exists()
        if not contents:
            raise UserError(_("Pick at least one content item to share."))
        not_published = contents.filtered(lambda content: content.state != "published" or not content.active)
        if not_published:
            raise UserError(_("Only published content can be shared; publish or remove: %(names)s.",
                              names=", ".join(not_published.mapped("name"))))
        if contents.company_id - lead.company_id and lead.company_id:
            raise UserError(_("Share content of the lead's own company (%(company)s).",
                              company=lead.company_id.name))
        if not lead.partner_id:
            if not lead.email_from:
                raise UserError(_("Set a customer or an email on \"%(lead)s\" before sharing content.",
                                  lead=lead.name))
            lead._handle_partner_assignment(create_missing=True)
        recipients = lead.partner_id
        shares = self.create([
            {"content_id": content.id, "lead_id": lead.id, "partner_id": partner.id}
            for partner in recipients for content in contents
        ])
        lead._message_log(body=Markup("%s<ul>%s</ul>") % (
            _("Content shared with %(partner)s:", partner=recipients[0].display_name),
            Markup().join(Markup("<li>%s</li>") % content.name for content in contents),
        ))
        return {
            "type": "ir.actions.act_window",
            "name": _("Share content"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "crm.lead",
                "default_res_ids": lead.ids,
                "default_composition_mode": "comment",
                "default_partner_ids": recipients.ids,
                "default_subject": _("%(names)s", names=", ".join(contents.mapped("name"))),
                "default_body": shares._share_body(),
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }
