# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools.constants import BUYING_STAGES, CONTENT_KINDS, CONTENT_STATES, CONTENT_UNUSED_DAYS
from .crm_alignment_effectiveness_mixin import STATS_GROUPS


class CrmContent(models.Model):
    """An item of the sales content library (white paper, presentation,
    testimonial, ...), written as a usage scenario, for a buying stage and a
    segment. Reps share published items from a lead (crm.content.share);
    opening the link records an access (crm.content.access)."""

    _name = "crm.content"
    _inherit = ["crm.alignment.effectiveness.mixin", "mail.thread"]
    _description = "Sales Content"
    _order = "name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    kind = fields.Selection(CONTENT_KINDS, required=True, default="white_paper")
    usage_scenario = fields.Text(
        translate=True,
        help="What the customer can do with it, in their words (verb first): "
        "\"Cut onboarding time in half\", not \"Onboarding module overview\".")
    message_ids = fields.Many2many("crm.message", "crm_content_message_rel", "content_id", "message_id",
                                   string="Key Messages")
    topic_ids = fields.Many2many(
        "crm.content.topic", "crm_content_topic_rel", "content_id", "topic_id", string="Topics",
        help="What the item is about: opening it adds these topics to the lead's interests.")
    buying_stage = fields.Selection(BUYING_STAGES, default="early", required=True)
    lang = fields.Selection(selection="_lang_get", string="Language")
    attachment_id = fields.Many2one("ir.attachment", string="File", ondelete="restrict")
    url = fields.Char("URL")
    state = fields.Selection(CONTENT_STATES, required=True, default="draft", tracking=True, index=True)
    user_id = fields.Many2one("res.users", string="Owner", default=lambda self: self.env.user, index=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    share_ids = fields.One2many("crm.content.share", "content_id", string="Shares")
    access_ids = fields.One2many("crm.content.access", "content_id", string="Access Log")
    # Use in the field
    share_count = fields.Integer("Times Shared", compute="_compute_usage_counts", groups=STATS_GROUPS)
    access_count = fields.Integer("Accesses", compute="_compute_usage_counts", groups=STATS_GROUPS)
    date_last_used = fields.Datetime("Last Used", compute="_compute_usage_counts", groups=STATS_GROUPS)
    is_unused = fields.Boolean(
        "Never Used", compute="_compute_is_unused", search="_search_is_unused",
        help=f"Published, and neither shared nor opened in the last {CONTENT_UNUSED_DAYS} days.")

    @api.model
    def _lang_get(self):
        return self.env["res.lang"].get_installed()

    def _compute_usage_counts(self):
        shares = {content.id: (count, date) for content, count, date in self.env["crm.content.share"].sudo()._read_group(
            [("content_id", "in", self.ids)], ["content_id"], ["__count", "date:max"])}
        accesses = {content.id: (count, date) for content, count, date in self.env["crm.content.access"].sudo()._read_group(
            [("content_id", "in", self.ids)], ["content_id"], ["__count", "date:max"])}
        for content in self:
            share_count, share_date = shares.get(content.id, (0, False))
            access_count, access_date = accesses.get(content.id, (0, False))
            content.share_count = share_count
            content.access_count = access_count
            content.date_last_used = max(filter(None, (share_date, access_date)), default=False)

    def _compute_is_unused(self):
        used_ids = set(self._used_since(self._unused_since()).ids)
        for content in self:
            content.is_unused = content.state == "published" and content.id not in used_ids

    def _search_is_unused(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Search 'Never Used' with = or != and True or False."))
        used_ids = self._used_since(self._unused_since()).ids
        unused = [("state", "=", "published"), ("id", "not in", used_ids)]
        if (operator == "=") == value:
            return unused
        return ["|", ("state", "!=", "published"), ("id", "in", used_ids)]

    @api.constrains("state", "attachment_id", "url")
    def _check_publishable(self):
        for content in self:
            if content.state == "published" and not (content.attachment_id or content.url):
                raise ValidationError(_(
                    "Add a file or a URL to \"%(name)s\" before publishing it: "
                    "a customer opening the link must get something.", name=content.name))
            if content.url and not content.url.lower().startswith(("http://", "https://")):
                raise ValidationError(_(
                    "The URL of \"%(name)s\" must start with http:// or https://.", name=content.name))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        contents = super().create(vals_list)
        contents._attach_file()
        return contents

    def write(self, vals):
        result = super().write(vals)
        if "attachment_id" in vals:
            self._attach_file()
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_publish(self):
        self.write({"state": "published"})

    def action_retire(self):
        self.write({"state": "retired"})

    def action_reset_draft(self):
        self.write({"state": "draft"})

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _attach_file(self):
        """Files uploaded from the form belong to their item, so that the
        item's readers may read them. The file must be one the user may read:
        the public link serves it to anyone holding a token."""
        if not self.env.su:
            self.attachment_id.check("read")
        for content in self.filtered("attachment_id"):
            attachment = content.attachment_id.sudo()
            if not attachment.res_id and attachment.res_model in (False, "crm.content"):
                attachment.write({"res_model": "crm.content", "res_id": content.id})

    @api.model
    def _suggest_for(self, lead, limit=5):
        """Published items of the lead's company for its segment and buying
        stage (items without a segment fit every lead), best lift first."""
        if not lead.company_id and not lead.id:
            return self.browse()
        domain = [
            ("state", "=", "published"),
            ("company_id", "in", (lead.company_id or self.env.company).ids),
            ("buying_stage", "=", lead._content_buying_stage()),
            ("industry_id", "in", [False] + lead.industry_id.ids),
            ("buying_role", "in", [False, lead.buying_role]),
            ("company_size", "in", [False, lead.company_size]),
        ]
        contents = self.search(domain)
        lifts = {content.id: content.lift for content in contents.sudo()}
        return contents.sorted(lambda content: (-lifts[content.id], content.name))[:limit]

    @api.model
    def _unused_since(self):
        return fields.Datetime.now() - timedelta(days=CONTENT_UNUSED_DAYS)

    @api.model
    def _used_since(self, since):
        """Items shared or opened since ``since`` (all companies)."""
        self.env["crm.content.share"].flush_model(["content_id", "date"])
        self.env["crm.content.access"].flush_model(["content_id", "date"])
        self.env.cr.execute(SQL("""
            SELECT content_id FROM crm_content_share WHERE date >= %(since)s
             UNION
            SELECT content_id FROM crm_content_access WHERE date >= %(since)s
        """, since=since))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _effectiveness_usage(self):
        # An item was used in a deal when a rep shared it there or the deal's
        # contact opened it.
        return SQL("""
            SELECT content_id AS item_id, lead_id, date FROM crm_content_share
             WHERE content_id IN %(ids)s AND lead_id IS NOT NULL
             UNION ALL
            SELECT content_id AS item_id, lead_id, date FROM crm_content_access
             WHERE content_id IN %(ids)s AND lead_id IS NOT NULL
        """, ids=tuple(self.ids) or (0,))
