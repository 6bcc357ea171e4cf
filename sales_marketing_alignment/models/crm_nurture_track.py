# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.constants import NURTURE_ENTRY_STAGES
from ..tools.domain import check_lead_domain

STATS_GROUPS = "sales_marketing_alignment.group_alignment_marketing,sales_team.group_sale_manager"
STATS_FIELDS = (
    "entered_count", "running_count", "sent_count", "opened_count", "access_count", "handoff_count",
    "replied_count", "unsubscribed_count", "bounced_count", "finished_count", "manual_count",
    "won_count", "won_revenue",
)
# Topic links offered in a mail ("what interests you?").
OFFERED_TOPICS_LIMIT = 8


class CrmNurtureTrack(models.Model):
    """A guided sequence of content for leads marketing nurtures (paper 000,
    step 5): who enters (leads in Nurture or Inquiry matching a condition),
    the steps sent in order, and the statistics that show which sequence
    and which item move prospects to sales. The job that enrolls leads and
    sends the due steps lives here (``_cron_nurture``)."""

    _name = "crm.nurture.track"
    _inherit = ["mail.thread"]
    _description = "Nurture Track"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(
        "Priority", default=10,
        help="A lead matching several tracks enters the one with the lowest number; "
        "it is in one track at a time.")
    entry_stage = fields.Selection(
        NURTURE_ENTRY_STAGES, "Enters From", required=True, default="nurture", tracking=True,
        help="Lifecycle stage of the leads that enter: returned to marketing (Nurture), "
        "not yet a lead (Inquiry), or both.")
    domain = fields.Char(
        "Condition", required=True, default="[]", tracking=True,
        help="Which of those leads enter: segment, reason they were nurtured "
        "(e.g. time frame delayed), campaign... Empty: all of them.")
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    step_ids = fields.One2many("crm.nurture.step", "track_id", string="Steps", copy=True)
    enrollment_ids = fields.One2many("crm.nurture.enrollment", "track_id", string="Enrollments")
    # Statistics (entered, in progress, sent, opened, accessed, exits by reason, hand-offs)
    entered_count = fields.Integer("Entered", compute="_compute_stats", groups=STATS_GROUPS)
    running_count = fields.Integer("In Progress", compute="_compute_stats", groups=STATS_GROUPS)
    sent_count = fields.Integer("Sent", compute="_compute_stats", groups=STATS_GROUPS)
    opened_count = fields.Integer(
        "Opened Links", compute="_compute_stats", groups=STATS_GROUPS,
        help="Mails whose content link the prospect opened at least once.")
    access_count = fields.Integer("Accesses", compute="_compute_stats", groups=STATS_GROUPS)
    handoff_count = fields.Integer("Handed to Sales", compute="_compute_stats", groups=STATS_GROUPS)
    replied_count = fields.Integer("Replied", compute="_compute_stats", groups=STATS_GROUPS)
    unsubscribed_count = fields.Integer("Unsubscribed", compute="_compute_stats", groups=STATS_GROUPS)
    bounced_count = fields.Integer("Bounced", compute="_compute_stats", groups=STATS_GROUPS)
    finished_count = fields.Integer("Finished", compute="_compute_stats", groups=STATS_GROUPS)
    manual_count = fields.Integer("Moved by a Person", compute="_compute_stats", groups=STATS_GROUPS)
    won_count = fields.Integer(
        "Won After Hand-off", compute="_compute_stats", groups=STATS_GROUPS,
        help="Leads handed to sales from this track that became customers.")
    won_revenue = fields.Monetary(
        compute="_compute_stats", groups=STATS_GROUPS, currency_field="company_currency_id",
        help="Expected revenue of the leads handed to sales from this track that became customers.")

    def _compute_stats(self):
        stats = self.env["crm.nurture.enrollment"]._stats_by("track_id", self.ids)
        for track in self:
            values = stats.get(track.id, {})
            for fname in STATS_FIELDS:
                track[fname] = values.get(fname, 0)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("domain")
    def _check_domain(self):
        for track in self:
            check_lead_domain(self.env, track.domain, track.name)

    @api.constrains("step_ids")
    def _check_steps(self):
        for track in self:
            if not track.step_ids:
                raise ValidationError(_(
                    "Nurture track \"%(name)s\" has no steps: add at least one step with a content "
                    "item or a mail template.", name=track.name))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        tracks = super().create(vals_list)
        tracks._check_steps()  # also when the create named no steps at all
        return tracks

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [dict(vals, name=_("%s (copy)", track.name)) for track, vals in zip(self, vals_list)]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_enrollments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_marketing_alignment.crm_nurture_enrollment_action")
        action["domain"] = [("track_id", "=", self.id)]
        action["context"] = {"default_track_id": self.id, "search_default_group_state": 1}
        return action

    def action_run_now(self):
        """Enroll and send now what is due, instead of waiting for the job."""
        self.check_access("write")
        self.env["crm.nurture.enrollment"]._run_job(tracks=self)
        return True

    # ------------------------------------------------------------
    # JOB
    # ------------------------------------------------------------

    @api.model
    def _cron_nurture(self, batch_size=200):
        """Exit the leads that left nurturing, enroll matching leads, send
        the due steps through the mail queue. Idempotent: a step sent is
        never sent again; batches report progress and the job re-runs until
        nothing is due."""
        done, remaining = self.env["crm.nurture.enrollment"]._run_job(batch_size=batch_size)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _offered_topics(self):
        """{track id: topics}: the topics a mail of the track offers to pick,
        those of its items, else the active topics of its company."""
        Topic = self.env["crm.content.topic"].sudo()
        result = {}
        for track in self.sudo():
            topics = track.step_ids.content_ids.topic_ids.filtered("active")
            if not topics:
                topics = Topic.search([("company_id", "in", [track.company_id.id, False])])
            result[track.id] = topics.sorted(lambda topic: (topic.sequence, topic.name, topic.id))[
                :OFFERED_TOPICS_LIMIT]
        return result
