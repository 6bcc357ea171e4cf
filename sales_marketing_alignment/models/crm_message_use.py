# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.constants import OBJECTIONS, REACTIONS


class CrmMessageUse(models.Model):
    """A key message a rep used on a call or meeting with a lead, and how the
    customer reacted: the index of calls nobody recorded."""

    _name = "crm.message.use"
    _description = "Key Message Use"
    _order = "date desc, id desc"
    _rec_name = "message_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    message_id = fields.Many2one("crm.message", required=True, ondelete="cascade", index=True)
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity", ondelete="set null")
    reaction = fields.Selection(REACTIONS, required=True, default="resonated")
    objection = fields.Selection(OBJECTIONS)
    user_id = fields.Many2one("res.users", string="Tagged By", required=True, index=True,
                              default=lambda self: self.env.user)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    # Set at creation from the lead, not related: a stored related field on
    # crm.lead would make every company change of a lead search its uses.
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    @api.constrains("reaction", "objection")
    def _check_objection(self):
        for use in self:
            if use.reaction == "objection" and not use.objection:
                raise ValidationError(_("Pick which objection the customer raised (price, timing, competitor, ...)."))
            if use.reaction != "objection" and use.objection:
                raise ValidationError(_("An objection can only be given when the reaction is 'Objection'."))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        leads = self.env["crm.lead"].browse({vals["lead_id"] for vals in vals_list if vals.get("lead_id")})
        # Tagging a call is editing the lead: the same right as writing it.
        leads.check_access("write")
        company_by_lead = {lead.id: lead.company_id.id for lead in leads.sudo()}
        for vals in vals_list:
            if vals.get("lead_id") and "company_id" not in vals:
                vals["company_id"] = company_by_lead.get(vals["lead_id"]) or False
        return super().create(vals_list)

    def write(self, vals):
        if "lead_id" in vals:
            self.env["crm.lead"].browse(vals["lead_id"]).check_access("write")
            vals["company_id"] = self.env["crm.lead"].browse(vals["lead_id"]).sudo().company_id.id
        return super().write(vals)
