# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class CrmTeamMember(models.Model):
    _inherit = "crm.team.member"

    # Round-robin turn of the routing engine: the member routed to longest ago
    # goes next. Also written under a row lock, so that concurrent routings of
    # one team serialize (see crm.lead._routing_lock_members).
    routing_last_date = fields.Datetime("Last Routed Lead", readonly=True, copy=False)
