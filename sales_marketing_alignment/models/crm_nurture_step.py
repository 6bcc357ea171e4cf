# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.constants import NURTURE_WAIT_FROM
from .crm_nurture_track import STATS_GROUPS


class CrmNurtureStep(models.Model):
    """One step of a nurture track: a mail (a template, content items with
    tracked links, or both) sent after a wait. When the step offers several
    items, the lead gets the one whose topics best match its profile, among
    those it was not sent yet."""

    _name = "crm.nurture.step"
    _description = "Nurture Step"
    _order = "track_id, sequence, id"

    track_id = fields.Many2one("crm.nurture.track", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(compute="_compute_name")
    content_ids = fields.Many2many(
        "crm.content", "crm_nurture_step_content_rel", "step_id", "content_id", string="Content Items",
        domain="[('state', '=', 'published'), ('company_id', '=', company_id)]",
        help="Items this step may send, each with the lead's own tracked link.")
    choose_by_profile = fields.Boolean(
        "Choose by Profile", default=True,
        help="Send one item: the one whose topics best match the lead's interests, among those "
        "not sent to the lead yet. Off: send all the items of the step.")
    mail_template_id = fields.Many2one(
        "mail.template", ondelete="restrict",
        domain="[('model', '=', 'crm.lead')]",
        help="Subject and text of the mail (rendered on the lead); the items' links, the topic "
        "links and the unsubscribe link are added below it.")
    wait_days = fields.Integer(
        "Wait (days)", default=0,
        help="Days to wait before sending this step, counted from the previous step (the "
        "enrollment for the first step) or from the prospect's first access to the previous item.")
    wait_from = fields.Selection(NURTURE_WAIT_FROM, "Counted From", required=True, default="previous")
    company_id = fields.Many2one(related="track_id.company_id", store=True, index=True)
    # Statistics
    running_count = fields.Integer(
        "Waiting", compute="_compute_stats", groups=STATS_GROUPS, help="Leads this step is the next one for.")
    sent_count = fields.Integer("Sent", compute="_compute_stats", groups=STATS_GROUPS)
    opened_count = fields.Integer("Opened Links", compute="_compute_stats", groups=STATS_GROUPS)
    access_count = fields.Integer("Accesses", compute="_compute_stats", groups=STATS_GROUPS)
    handoff_count = fields.Integer(
        "Handed to Sales", compute="_compute_stats", groups=STATS_GROUPS,
        help="Leads handed to sales after this step was their last one sent.")
    exited_count = fields.Integer(
        "Other Exits", compute="_compute_stats", groups=STATS_GROUPS,
        help="Leads that replied, unsubscribed, bounced or were moved by a person after this step.")
    won_revenue = fields.Monetary(
        compute="_compute_stats", groups=STATS_GROUPS, currency_field="company_currency_id")
    company_currency_id = fields.Many2one(related="track_id.company_currency_id", string="Currency")

    @api.depends("sequence", "track_id")
    def _compute_name(self):
        for step in self:
            position = (step.track_id.step_ids.ids.index(step.id) + 1
                        if step.id in step.track_id.step_ids.ids else len(step.track_id.step_ids))
            step.name = _("%(track)s, step %(position)s", track=step.track_id.name or "", position=position)

    def _compute_stats(self):
        stats = self.env["crm.nurture.enrollment"]._stats_by("step_id", self.ids)
        for step in self:
            values = stats.get(step.id, {})
            step.running_count = values.get("running_count", 0)
            step.sent_count = values.get("sent_count", 0)
            step.opened_count = values.get("opened_count", 0)
            step.access_count = values.get("access_count", 0)
            step.handoff_count = values.get("handoff_count", 0)
            step.exited_count = sum(values.get(fname, 0) for fname in (
                "replied_count", "unsubscribed_count", "bounced_count", "manual_count"))
            step.won_revenue = values.get("won_revenue", 0.0)

    @api.constrains("content_ids", "mail_template_id")
    def _check_something_to_send(self):
        for step in self:
            if not step.content_ids and not step.mail_template_id:
                raise ValidationError(_(
                    "A step of nurture track \"%(track)s\" has neither a content item nor a mail "
                    "template: give it at least one of them.", track=step.track_id.name))

    @api.constrains("wait_days")
    def _check_wait_days(self):
        for step in self:
            if step.wait_days < 0:
                raise ValidationError(_(
                    "A step of nurture track \"%(track)s\" waits %(days)s days: the wait cannot be "
                    "negative.", track=step.track_id.name, days=step.wait_days))

    @api.constrains("mail_template_id")
    def _check_template_model(self):
        for step in self:
            if step.mail_template_id and step.mail_template_id.model != "crm.lead":
                raise ValidationError(_(
                    "The mail template of a nurture step must be a template for leads "
                    "(\"%(template)s\" is not).", template=step.mail_template_id.name))

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        steps._check_something_to_send()  # also when the create named neither
        return steps

    def unlink(self):
        tracks = self.track_id
        res = super().unlink()
        tracks.exists()._check_steps()
        return res

    def _next_step(self):
        """The step after this one in its track, or an empty recordset."""
        self.ensure_one()
        steps = self.track_id.step_ids.sorted(lambda step: (step.sequence, step.id))
        index = steps.ids.index(self.id)
        return steps[index + 1] if index + 1 < len(steps) else self.browse()
