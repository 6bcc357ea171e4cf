# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.constants import ATTRIBUTION_MODELS


class ResCompany(models.Model):
    _inherit = "res.company"

    # Default follow-up SLA of new sales teams
    sla_first_touch_hours = fields.Float("First Touch SLA (working hours)", default=4.0)
    sla_feedback_days = fields.Float("Feedback SLA (days)", default=2.0)

    # Quick actions on pipeline cards: the first ones as buttons, the rest in a menu
    quick_action_inline_count = fields.Integer(
        "Quick Action Buttons on Cards", default=1,
        help="How many quick actions show as buttons on pipeline cards (0 to 2); the others are "
        "in the card's quick action menu.")

    # Lead scoring (paper 000, "Define Quality")
    mql_threshold = fields.Integer(
        "Sales-ready Score", default=50,
        help="A lead whose score reaches this is handed to sales (lifecycle MQL); a handed-off "
        "lead that falls under it before sales accepts it goes back to nurture. 0: no automatic "
        "hand-off.")
    score_grade_a = fields.Integer("Grade A From", default=80)
    score_grade_b = fields.Integer("Grade B From", default=50)
    score_grade_c = fields.Integer("Grade C From", default=20)
    score_rules_date = fields.Datetime(
        "Scoring Changed On", readonly=True,
        help="Last change of the scoring or routing rules or of the cut-offs.")
    # What the pipeline job did since the rules last changed, summed up in one
    # line on the changed rules once every lead is up to date.
    score_rules_summary_date = fields.Datetime(readonly=True)
    score_rules_pending_rescored = fields.Integer(readonly=True)
    score_rules_pending_rerouted = fields.Integer(readonly=True)
    score_rules_version = fields.Integer(
        "Scoring Version", readonly=True,
        help="Counts the changes of rules and cut-offs: leads scored under an older version are "
        "rescored by the scoring job (a counter, not a date: two changes in one second count).")

    # Campaign attribution (crm.attribution.report, campaign economics)
    attribution_model = fields.Selection(
        ATTRIBUTION_MODELS, default="position_based", required=True,
        help="How a won deal's revenue is split between the campaigns of its touchpoints in the "
        "campaign economics; the attribution report shows every model.")
    attribution_half_life_days = fields.Float(
        "Time Decay Half-life (days)", default=7.0,
        help="Time decay: a touch this many days before the win weighs half as much as one on "
        "the day of the win.")
    attribution_lookback_days = fields.Integer(
        "Look-back Window (days)", default=90,
        help="Only touchpoints within this many days before the win get credit; a won deal "
        "with none counts as unattributed revenue.")

    @api.constrains("attribution_half_life_days", "attribution_lookback_days")
    def _check_attribution(self):
        for company in self:
            if company.attribution_half_life_days <= 0:
                raise ValidationError(_(
                    "The time decay half-life must be more than 0 days (7 is usual)."))
            if company.attribution_lookback_days <= 0:
                raise ValidationError(_(
                    "The attribution look-back window must be at least 1 day (90 is usual)."))

    @api.constrains("score_grade_a", "score_grade_b", "score_grade_c", "mql_threshold", "quick_action_inline_count")
    def _check_score_grades(self):
        for company in self:
            if not company.score_grade_a > company.score_grade_b > company.score_grade_c:
                raise ValidationError(_(
                    "Grade cut-offs must go down from A to C: A from %(a)s, B from %(b)s and C from "
                    "%(c)s are out of order.", a=company.score_grade_a, b=company.score_grade_b,
                    c=company.score_grade_c))
            if not 0 <= company.quick_action_inline_count <= 2:
                raise ValidationError(_(
                    "Pipeline cards show 0 to 2 quick actions as buttons; the others are in the card's menu."))
            if company.mql_threshold < 0:
                raise ValidationError(_(
                    "The sales-ready score cannot be negative (0 turns the automatic hand-off off)."))

    def write(self, vals):
        # Settings write every field on save: only real changes rescore.
        keys = {"score_grade_a", "score_grade_b", "score_grade_c", "mql_threshold"} & set(vals)
        changed = self.filtered(lambda company: any(company[key] != vals[key] for key in keys))
        res = super().write(vals)
        if changed:
            changed._scoring_rules_changed()
        return res

    def _score_grade(self, score):
        """Grade band (a, b, c, d) of ``score`` under this company's cut-offs."""
        if score >= self.score_grade_a:
            return "a"
        if score >= self.score_grade_b:
            return "b"
        if score >= self.score_grade_c:
            return "c"
        return "d"

    def _lead_definition_changed(self):
        """The lead definition changed: the form shows it at once, and the
        pipeline job re-evaluates these companies' open leads."""
        Lead = self.env["crm.lead"]
        Lead.invalidate_model([name for name in Lead._fields if name.startswith("definition_")]
                              + ["meets_definition"])
        self._scoring_rules_changed()

    def _scoring_rules_changed(self):
        """Rules, cut-offs or the lead definition changed: forget cached rules,
        and have the pipeline job run these companies' open leads again, in
        committed batches."""
        self.env.registry.clear_cache()
        now = fields.Datetime.now()
        for company in self.sudo():  # a handful of companies
            company.write({"score_rules_date": now, "score_rules_version": company.score_rules_version + 1})
        cron = self.env.ref("sales_marketing_alignment.ir_cron_score_leads", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
