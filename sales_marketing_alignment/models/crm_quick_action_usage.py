# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmQuickActionUsage(models.Model):
    """One application of a quick action to a lead: which automations people
    really use, per action and per rep."""

    _name = "crm.quick.action.usage"
    _description = "CRM Quick Action Use"
    _order = "date desc, id desc"
    _rec_name = "quick_action_id"

    quick_action_id = fields.Many2one("crm.quick.action", required=True, ondelete="cascade", index=True)
    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    user_id = fields.Many2one("res.users", string="Used By", required=True, index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    # Set at creation, not related: a stored related field on crm.lead would
    # make every company change of a lead search for its uses.
    company_id = fields.Many2one("res.company", index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
