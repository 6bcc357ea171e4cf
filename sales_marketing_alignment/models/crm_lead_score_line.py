# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL

from ..tools.constants import DIMENSIONS


class CrmLeadScoreLine(models.Model):
    """A scoring rule a lead matches, and the points it gives now: the
    explanation of the lead's score. Written only by the scoring engine."""

    _name = "crm.lead.score.line"
    _description = "Lead Score Explanation Line"
    _order = "lead_id, dimension, points desc, id"

    # Not indexed on its own: the unique (lead_id, rule_id) index serves the
    # lookups by lead. The scoring statement writes thousands of lines per
    # batch, and each index costs every one of them.
    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade")
    rule_id = fields.Many2one("crm.scoring.rule", required=True, index=True, ondelete="cascade")
    dimension = fields.Selection(DIMENSIONS, required=True)
    rule_points = fields.Integer(help="The rule's points, before decay.")
    points = fields.Integer(help="Points the lead gets from this rule today, after decay.")
    date_matched = fields.Datetime(
        "Matching Since", required=True,
        help="When the lead started matching the rule: engagement decay counts from here.")
    # Stored at creation (not a related field): see crm.lead.lifecycle.history.
    # Not indexed: lines are read by lead, the company only filters them.
    company_id = fields.Many2one("res.company")

    _sql_constraints = [
        ("lead_rule_unique", "UNIQUE(lead_id, rule_id)", "A lead matches a scoring rule once."),
    ]

    def init(self):
        # Indexes of earlier versions of the module, which Odoo keeps when a
        # field stops asking for one (see the fields above).
        for name in ("crm_lead_score_line__lead_id_index", "crm_lead_score_line__company_id_index"):
            self.env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
