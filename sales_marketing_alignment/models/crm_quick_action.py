# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.constants import LIFECYCLE_MOVES

MAX_DELAY = 365
QUICK_LIFECYCLE_STAGES = [
    ("mql", "Hand off to sales (MQL)"),
    ("sal", "Accept hand-off (SAL)"),
    ("nurture", "Back to marketing nurture"),
    ("disqualified", "Disqualify (mark as lost)"),
]


class CrmQuickAction(models.Model):
    """A one-click follow-up a rep defines once and applies to leads: log what
    was just done, schedule what comes next, optionally move the lead."""

    _name = "crm.quick.action"
    _description = "CRM Quick Action"
    _order = "sequence, id"

    name = fields.Char("Label", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    icon = fields.Char(default="fa-bolt", help="Font Awesome icon of the button, e.g. fa-phone.")
    color = fields.Integer()
    # What was just done: logged as a done activity
    log_activity_type_id = fields.Many2one(
        "mail.activity.type", string="Log Activity", ondelete="restrict",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    log_note = fields.Char(translate=True, help='e.g. "Left voicemail"')
    # What comes next: a planned activity
    next_activity_type_id = fields.Many2one(
        "mail.activity.type", string="Next Activity", ondelete="restrict",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    next_delay = fields.Integer("Due In", default=1)
    next_delay_unit = fields.Selection(
        [("days", "days"), ("working_days", "working days")], string="Delay Unit",
        required=True, default="days",
        help="Working days follow the assignee's working hours (or the company's).",
    )
    next_assignee = fields.Selection(
        [("me", "Me"), ("salesperson", "The lead's salesperson")], string="Assign To",
        required=True, default="me",
    )
    next_summary = fields.Char(translate=True)
    # Moves
    set_lifecycle_stage = fields.Selection(QUICK_LIFECYCLE_STAGES, string="Lifecycle Move")
    set_stage_id = fields.Many2one("crm.stage", string="Pipeline Stage", ondelete="set null")
    feedback_reason_id = fields.Many2one(
        "crm.lost.reason", ondelete="restrict",
        help="Recorded when the action sends the lead back to nurture or disqualifies it.",
    )
    # Who sees it: personal (user_id), a team, or everyone
    user_id = fields.Many2one(
        "res.users", string="Personal To", index=True, default=lambda self: self.env.user,
        help="Set: a personal action of this user. Empty: shared with the team, or with everyone.",
    )
    team_id = fields.Many2one("crm.team", string="Shared With Team", index=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    usage_ids = fields.One2many("crm.quick.action.usage", "quick_action_id", string="Use Log")
    usage_count = fields.Integer(compute="_compute_usage_count", string="Uses")

    def _compute_usage_count(self):
        # Totals of every user: counts are not sensitive, the uses themselves are.
        counts = dict(self.env["crm.quick.action.usage"].sudo()._read_group(
            [("quick_action_id", "in", self.ids)], ["quick_action_id"], ["__count"]))
        for action in self:
            action.usage_count = counts.get(action, 0)

    @api.constrains("next_delay", "next_activity_type_id")
    def _check_next_delay(self):
        for action in self:
            if action.next_activity_type_id and not 0 <= action.next_delay <= MAX_DELAY:
                raise ValidationError(_(
                    "Quick action \"%(name)s\": the next activity must be due within 0 to %(max)s days.",
                    name=action.name, max=MAX_DELAY,
                ))

    @api.constrains("log_activity_type_id", "next_activity_type_id")
    def _check_activity_types(self):
        for action in self:
            for activity_type in action.log_activity_type_id | action.next_activity_type_id:
                if activity_type.res_model and activity_type.res_model != "crm.lead":
                    raise ValidationError(_(
                        "Quick action \"%(name)s\": activity type \"%(type)s\" is reserved for "
                        "%(model)s records and cannot be used on leads.",
                        name=action.name, type=activity_type.name, model=activity_type.res_model,
                    ))

    @api.constrains("name", "set_lifecycle_stage", "feedback_reason_id")
    def _check_feedback_reason(self):
        for action in self:
            if action.set_lifecycle_stage in ("nurture", "disqualified") and not action.feedback_reason_id:
                raise ValidationError(_(
                    "Quick action \"%(name)s\" sends leads back to nurture or disqualifies them: "
                    "choose the feedback reason marketing will see.", name=action.name,
                ))

    @api.constrains("name", "log_activity_type_id", "next_activity_type_id", "set_lifecycle_stage", "set_stage_id")
    def _check_does_something(self):
        for action in self:
            if not (action.log_activity_type_id or action.next_activity_type_id
                    or action.set_lifecycle_stage or action.set_stage_id):
                raise ValidationError(_(
                    "Quick action \"%(name)s\" does nothing: choose an activity to log, one to "
                    "schedule or a stage to move the lead to.", name=action.name,
                ))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_may_edit(vals.get("user_id", self.env.uid))
        return super().create(vals_list)

    def write(self, vals):
        for action in self:
            self._check_may_edit(action.user_id.id)
        if "user_id" in vals:
            self._check_may_edit(vals["user_id"])
        return super().write(vals)

    def unlink(self):
        for action in self:
            self._check_may_edit(action.user_id.id)
        return super().unlink()

    @api.model
    def _check_may_edit(self, owner_id):
        """Reps create and edit their own actions; only sales managers share."""
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        if owner_id != self.env.uid:
            raise UserError(_(
                "Only sales managers can create or edit shared quick actions, or those of "
                "other users. Make it a personal action (Personal To: yourself)."
            ))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_apply(self, lead_ids):
        """Apply this quick action to the given leads as the current user, all or
        nothing, and return a client notification."""
        self.ensure_one()
        leads = self.env["crm.lead"].browse(lead_ids)
        if not leads or len(leads.exists()) != len(set(lead_ids)):
            raise UserError(_("Some of the selected leads no longer exist; reload and try again."))
        leads.check_access("write")
        inactive = leads.filtered(lambda lead: not lead.active)
        if inactive:
            raise UserError(_(
                "\"%(lead)s\" is closed (lost); restore it before following it up.",
                lead=inactive[0].display_name,
            ))
        refused = leads.filtered(lambda lead: not self._applies_to(lead))
        if refused:
            raise UserError(_(
                "\"%(action)s\" does not apply to \"%(lead)s\" at stage %(stage)s: its moves would "
                "take the lead where its lifecycle does not go from there.",
                action=self.name, lead=refused[0].display_name, stage=refused[0]._lifecycle_label(),
            ))
        # Moves first: they check rights and may refuse, before anything is logged.
        self._apply_moves(leads)
        self._apply_activities(leads)
        self.env["crm.quick.action.usage"].sudo().create([{
            "quick_action_id": self.id, "lead_id": lead.id, "user_id": self.env.uid,
            "team_id": lead.team_id.id, "company_id": lead.company_id.id,
        } for lead in leads])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.name,
                "message": _("Applied to %(count)s lead(s).", count=len(leads)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _applies_to(self, lead):
        """Whether this action's moves fit the lead's lifecycle (the state
        machine of LIFECYCLE_MOVES): an action that only logs or schedules
        applies everywhere; no action moves a won deal."""
        self.ensure_one()
        stage = lead.lifecycle_stage
        if not (self.set_lifecycle_stage or self.set_stage_id):
            return True
        if stage == "customer":
            return False
        move = self.set_lifecycle_stage
        if move == "mql":
            return (stage, "mql") in LIFECYCLE_MOVES["handoff"]
        if move == "sal":
            return (stage, "sal") in LIFECYCLE_MOVES["accept"]
        if move == "nurture":
            return (stage, "nurture") in LIFECYCLE_MOVES["reject"] | LIFECYCLE_MOVES["feedback"]
        return True

    def _apply_moves(self, leads):
        if self.set_stage_id:
            leads.write({"stage_id": self.set_stage_id.id})
        stage, reason = self.set_lifecycle_stage, self.feedback_reason_id
        if stage == "mql":
            leads.action_handoff_to_sales()
        elif stage == "sal":
            leads.action_accept_handoff()
        elif stage == "nurture":
            handed_off = leads.filtered(lambda lead: lead.lifecycle_stage == "mql")
            if handed_off:
                handed_off.action_reject_handoff(reason.id, to_stage="nurture")
            others = leads - handed_off
            if others:
                others.sudo().write({"handoff_reject_reason_id": reason.id})
                reason._apply_feedback_follow_up(others, force_nurture=True)
        elif stage == "disqualified":
            leads.action_set_lost(lost_reason_id=reason.id, nurture_follow_up=False)

    def _apply_activities(self, leads):
        """Log the done activity and plan the next one, as done by hand: one
        create for each, and Odoo's own "mark as done" for the log."""
        Activity = self.env["mail.activity"]
        model_id = self.env["ir.model"]._get_id("crm.lead")
        today = fields.Date.context_today(self)
        if self.log_activity_type_id:
            logged = Activity.create([{
                "res_model_id": model_id, "res_id": lead.id, "user_id": self.env.uid,
                "activity_type_id": self.log_activity_type_id.id, "date_deadline": today,
                "summary": self.log_note or self.log_activity_type_id.name,
            } for lead in leads])
            logged.action_feedback(feedback=self.log_note or False)
        if self.next_activity_type_id:
            vals_list = []
            for lead in leads:
                assignee = self.env.user if self.next_assignee == "me" else (lead.user_id or self.env.user)
                vals_list.append({
                    "res_model_id": model_id, "res_id": lead.id, "user_id": assignee.id,
                    "activity_type_id": self.next_activity_type_id.id,
                    "summary": self.next_summary or self.next_activity_type_id.summary or False,
                    "date_deadline": self._next_deadline(assignee, today),
                })
            Activity.create(vals_list)

    def _next_deadline(self, assignee, today):
        """Due date of the next activity: calendar days, or working days of the
        assignee's working hours (the company's when they have none)."""
        if self.next_delay_unit == "days" or not self.next_delay:
            return today + timedelta(days=self.next_delay)
        calendar = assignee.resource_calendar_id or assignee.company_id.resource_calendar_id \
            or self.env.company.resource_calendar_id
        if not calendar:
            return today + timedelta(days=self.next_delay)
        # Count working days from tomorrow: "in 2 working days" on a Friday is Tuesday.
        start = datetime.combine(today + timedelta(days=1), time.min)
        planned = calendar.plan_days(self.next_delay, start, compute_leaves=True)
        return planned.date() if planned else today + timedelta(days=self.next_delay)
