# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.constants import FEEDBACK_CATEGORIES, FOLLOW_UPS


class CrmLostReason(models.Model):
    """Odoo's lost reasons, codified: the feedback sales gives marketing when a
    lead is closed or rejected, and what happens next (paper 000, feedback)."""

    _inherit = "crm.lost.reason"

    code = fields.Char(help="Short stable code for reports and integrations, unique per company.")
    category = fields.Selection(FEEDBACK_CATEGORIES, default="other", required=True)
    follow_up = fields.Selection(
        FOLLOW_UPS, string="Follow-up", default="close", required=True,
        help="Return to marketing nurture: the lead goes back to lifecycle Nurture and comes back "
        "to marketing's queue after the re-engage delay. Alert management: an activity for the "
        "chosen user, or a message to the chosen group. Close: nothing more.",
    )
    reengage_days = fields.Integer(
        "Re-engage After (days)", help="For nurture: days until marketing re-engages the lead.")
    alert_user_id = fields.Many2one("res.users", domain="[('share', '=', False)]")
    alert_group_id = fields.Many2one("res.groups")
    company_id = fields.Many2one("res.company", index=True, help="Empty: used by every company.")

    @api.constrains("code", "company_id")
    def _check_code_unique(self):
        for reason in self.filtered("code"):
            # A reason shared by all companies clashes with any reason of that code.
            domain = [("id", "!=", reason.id), ("code", "=", reason.code)]
            if reason.company_id:
                domain.append(("company_id", "in", [reason.company_id.id, False]))
            duplicate = self.with_context(active_test=False).search(domain, limit=1)
            if duplicate:
                raise ValidationError(_(
                    "The code \"%(code)s\" is already used by the reason \"%(other)s\": codes are "
                    "unique per company.", code=reason.code, other=duplicate.name,
                ))

    @api.constrains("follow_up", "reengage_days", "alert_user_id", "alert_group_id")
    def _check_follow_up(self):
        for reason in self:
            if reason.follow_up == "nurture" and reason.reengage_days <= 0:
                raise ValidationError(_(
                    "The reason \"%(name)s\" returns leads to nurture: set after how many days "
                    "marketing re-engages them.", name=reason.name,
                ))
            if reason.follow_up == "alert" and not (reason.alert_user_id or reason.alert_group_id):
                raise ValidationError(_(
                    "The reason \"%(name)s\" alerts management: choose the user or the group to "
                    "alert.", name=reason.name,
                ))

    # ------------------------------------------------------------
    # FOLLOW-UP
    # ------------------------------------------------------------

    def _apply_feedback_follow_up(self, leads, nurture=True, force_nurture=False, cause="feedback"):
        """Run what this codified reason asks for on ``leads``: back to nurture
        with a re-engage date, or an alert to management. Closing needs
        nothing more. A customer never goes back to nurture (UserError)."""
        self.ensure_one()
        if force_nurture or (nurture and self.follow_up == "nurture"):
            reengage = self.reengage_days and fields.Date.context_today(self) + timedelta(days=self.reengage_days)
            leads._set_lifecycle_stage(
                "nurture", cause, reason=self, extra_vals={"reengage_date": reengage or False})
        if self.follow_up == "alert":
            self._alert_management(leads)

    def _alert_management(self, leads):
        """An activity for the reason's alert user, or a message to its alert group."""
        self.ensure_one()
        summary = _("Feedback: %(reason)s", reason=self.name)
        note = _("%(user)s closed this lead with the reason \"%(reason)s\".", user=self.env.user.name, reason=self.name)
        if self.alert_user_id:
            leads.sudo().activity_schedule(
                "mail.mail_activity_data_todo", user_id=self.alert_user_id.id, summary=summary, note=note)
        elif self.alert_group_id:
            partners = self.alert_group_id.sudo().users.partner_id
            for lead in leads.sudo():  # one notification per lead: alerts are rare and addressed
                lead.message_post(body=note, subject=summary, partner_ids=partners.ids,
                                  subtype_xmlid="mail.mt_note")
