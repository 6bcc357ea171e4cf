# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .crm_routing_rule import ROUTING_TARGETS

ROUTING_OUTCOMES = [
    ("assigned", "Assigned"),
    ("team", "Waiting in team"),
    ("partner", "Forwarded to partner"),
    ("nurture", "Sent to nurture"),
    ("kept", "Manual assignment kept"),
    ("unmatched", "No rule matched"),
]


class CrmLeadRoutingLog(models.Model):
    """One routing decision: which rule sent which lead where, and why."""

    _name = "crm.lead.routing.log"
    _description = "Lead Routing Decision"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", required=True, index=True, ondelete="cascade")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    rule_id = fields.Many2one("crm.routing.rule", index="btree_not_null", ondelete="set null")
    target = fields.Selection(ROUTING_TARGETS)
    outcome = fields.Selection(ROUTING_OUTCOMES, required=True)
    score = fields.Integer(help="The lead's score when it was routed.")
    team_id = fields.Many2one("crm.team", ondelete="set null")
    user_id = fields.Many2one("res.users", string="Salesperson", ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Channel Partner", ondelete="set null")
    previous_user_id = fields.Many2one("res.users", string="Previous Salesperson", ondelete="set null")
    reason = fields.Char(help="Why the engine decided this, in words.")
    # Stored at creation (not a related field): see crm.lead.lifecycle.history.
    company_id = fields.Many2one("res.company", index=True)
