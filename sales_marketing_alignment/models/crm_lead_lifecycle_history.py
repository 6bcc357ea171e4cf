# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .crm_lead import LIFECYCLE_STAGES


class CrmLeadLifecycleHistory(models.Model):
    """One row per lifecycle transition of a lead, so time in stage and
    stage-to-stage conversion come from the database, not from chatter.
    A lead's first row (``from_stage`` empty) is the stage it was created in."""

    _name = "crm.lead.lifecycle.history"
    _description = "Lead Lifecycle Transition"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    from_stage = fields.Selection(LIFECYCLE_STAGES, string="From")
    to_stage = fields.Selection(LIFECYCLE_STAGES, string="To", required=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, index=True)
    # Denormalized for reporting and access rules, set once at creation (not
    # related: a stored related field would make every company change of a
    # lead search its history).
    company_id = fields.Many2one("res.company", index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", index=True)
    reason_id = fields.Many2one("crm.lost.reason", string="Reason", ondelete="set null", index="btree_not_null")
