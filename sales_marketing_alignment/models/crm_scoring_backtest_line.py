# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..tools.constants import BACKTEST_LINE_KINDS, GRADES


class CrmScoringBacktestLine(models.Model):
    """One grade or score bucket of a back-test, live rules and draft side by side."""

    _name = "crm.scoring.backtest.line"
    _description = "Scoring Back-test Result"
    _order = "backtest_id, sequence, id"

    backtest_id = fields.Many2one("crm.scoring.backtest", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backtest_id.company_id", store=True, index=True)
    sequence = fields.Integer()
    kind = fields.Selection(BACKTEST_LINE_KINDS, required=True)
    label = fields.Char("Grade or Score", required=True)
    grade = fields.Selection(GRADES)
    bucket_from = fields.Integer()
    live_count = fields.Integer("Leads (live)")
    live_accepted_count = fields.Integer("Accepted (live)")
    live_won_count = fields.Integer("Won (live)")
    live_acceptance_rate = fields.Float("Acceptance % (live)", digits=(16, 1))
    live_won_rate = fields.Float("Won % (live)", digits=(16, 1))
    draft_count = fields.Integer("Leads (draft)")
    draft_accepted_count = fields.Integer("Accepted (draft)")
    draft_won_count = fields.Integer("Won (draft)")
    draft_acceptance_rate = fields.Float("Acceptance % (draft)", digits=(16, 1))
    draft_won_rate = fields.Float("Won % (draft)", digits=(16, 1))
