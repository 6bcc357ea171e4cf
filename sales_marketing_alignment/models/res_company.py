# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.constants import ATTRIBUTION_MODELS, GRADES, MATURITY_STAGES

# The dashboard number (crm.alignment.dashboard._metrics) behind a signal.
SIGNAL_METRICS = {
    "feedback_coverage": "closed",
    "sla_compliance": "sla",
    "attribution_coverage": "attributed",
    "score_calibration": "scored",
}
# The signals each maturity stage adds to the ones below it (doc/admin_guide.md).
MATURITY_TIERS = [
    (2, ("roles_defined",)),
    (3, ("metrics_tracked",)),
    (4, ("feedback_coverage", "sla_compliance")),
    (5, ("attribution_coverage", "score_calibration")),
]


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

    # Alignment maturity thresholds (get_alignment_maturity)
    alignment_feedback_threshold = fields.Float(
        "Feedback Coverage Needed (%)", default=80.0,
        help="Stage 4 needs at least this share of lost or rejected leads with a codified reason.")
    alignment_sla_threshold = fields.Float(
        "SLA Compliance Needed (%)", default=80.0,
        help="Stage 4 needs at least this share of leads followed up within the SLA.")
    alignment_attribution_threshold = fields.Float(
        "Attribution Coverage Needed (%)", default=70.0,
        help="Stage 5 needs at least this share of won revenue explained by campaign touchpoints.")
    alignment_calibration_threshold = fields.Float(
        "Score Calibration Needed (%)", default=100.0,
        help="Stage 5 needs at least this share of neighbouring grades (A/B, B/C, C/D) where the "
        "better grade has the higher won rate.")

    @api.constrains("alignment_feedback_threshold", "alignment_sla_threshold",
                    "alignment_attribution_threshold", "alignment_calibration_threshold")
    def _check_alignment_thresholds(self):
        for company in self:
            if not all(0 <= company[name] <= 100 for name in (
                    "alignment_feedback_threshold", "alignment_sla_threshold",
                    "alignment_attribution_threshold", "alignment_calibration_threshold")):
                raise ValidationError(_("Alignment maturity thresholds are percentages, from 0 to 100."))

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

    # ------------------------------------------------------------
    # ALIGNMENT MATURITY (paper 003)
    # ------------------------------------------------------------

    def get_alignment_maturity(self, date_from=None, date_to=None, team_id=None):
        """The alignment stage (1 to 5, paper 003) the company's own data
        shows for a period (default: the 12 months up to today), read with
        the user's record rules: ``{'stage', 'stage_name', 'signals':
        [{'name', 'label', 'value', 'threshold', 'met', 'stage', 'unit'}],
        'next_steps': [sentences]}``. A stage is reached when every signal
        of it and of the stages below is met (doc/admin_guide.md)."""
        company = self[:1] or self.env.company
        today = fields.Date.context_today(self)
        date_to = fields.Date.to_date(date_to) if date_to else today
        date_from = fields.Date.to_date(date_from) if date_from else date_to - relativedelta(months=12, days=-1)
        Dashboard = self.env["crm.alignment.dashboard"].with_company(company)
        start, end = Dashboard._period_bounds("custom", date_from, date_to)
        signals = company.with_company(company)._maturity_signals(start, end, team_id or False)
        stage = 1
        for tier, _names in MATURITY_TIERS:
            if all(signal["met"] for signal in signals if signal["stage"] <= tier):
                stage = tier
            else:
                break
        next_steps = [signal["next_step"] for signal in signals if signal["stage"] == stage + 1 and not signal["met"]]
        for signal in signals:
            signal.pop("next_step")
        return {
            "stage": stage,
            "stage_name": dict(MATURITY_STAGES)[stage],
            "signals": signals,
            "next_steps": next_steps,
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
        }

    def _maturity_signals(self, start, end, team_id):
        """The six signals of the maturity stages, each with its number, its
        threshold, whether it is met and the sentence saying what to do."""
        self.ensure_one()
        Dashboard = self.env["crm.alignment.dashboard"]
        Dashboard._flush_reports()
        metrics = Dashboard._metrics(start, end, team_id)
        company_domain = [("company_id", "=", self.id)]
        signals = []

        def add(name, label, tier, value, threshold, unit, step):
            met = value is not None and value >= threshold
            signals.append({"name": name, "label": label, "stage": tier, "value": value, "threshold": threshold,
                            "met": met, "unit": unit, "metric": SIGNAL_METRICS.get(name, False),
                            "next_step": step})

        # 2. Roles and the hand-off are defined: who is a lead, who gets it, how fast.
        missing = []
        if not self.env["crm.lead.definition.criterion"].search_count(
                company_domain + [("requirement", "=", "must")], limit=1):
            missing.append(_("define the must-have lead definition criteria (Configuration > Lead Definition)"))
        if not self.env["crm.routing.rule"].search_count(company_domain, limit=1):
            missing.append(_("route sales-ready leads with routing rules (Configuration > Routing Rules)"))
        if not self.env["crm.team"].search_count(
                [("company_id", "in", [self.id, False]), ("use_sla", "=", True)], limit=1):
            missing.append(_("give a sales team a follow-up SLA (Sales Teams)"))
        add("roles_defined", _("Roles and hand-off defined"), 2, 3 - len(missing), 3, "count",
            _("To agree on roles along the funnel: %(todo)s.", todo="; ".join(missing)))
        # 3. The agreed metrics can be computed for the period.
        counts = {key: Dashboard._count(metrics, key) for key in ("handed_off", "won_deals", "inquiries", "customers")}
        # Whether costs exist decides computability only: no amount is shown.
        cost_model, cost_domain = metrics["campaign_cost"][:2]
        has_cost = bool(self.env[cost_model].sudo().search_count(cost_domain, limit=1))
        missing = []
        if not counts["handed_off"]:
            missing.append(_("SAL % needs leads handed to sales in the period"))
        if not counts["won_deals"]:
            missing.append(_("sales cycle length needs deals won in the period"))
        if not counts["inquiries"]:
            missing.append(_("lead-to-customer conversion needs leads created in the period"))
        if not (has_cost and counts["customers"]):
            missing.append(_("cost per customer needs campaign costs entered in the period and customers won"))
        add("metrics_tracked", _("Agreed metrics tracked"), 3, 4 - len(missing), 4, "count",
            _("To track the agreed metrics: %(todo)s.", todo="; ".join(missing)))
        # 4. Feedback coverage: lost or rejected leads with a codified reason.
        History = self.env["crm.lead.lifecycle.history"]
        closed = metrics["closed"][1]
        total = History.search_count(closed)
        coded = History.search_count(closed + [("reason_id", "!=", False)])
        add("feedback_coverage", _("Feedback coverage"), 4, coded * 100.0 / total if total else None,
            self.alignment_feedback_threshold, "%",
            _("Have reps pick a feedback reason whenever they reject or lose a lead (%(value)s of "
              "%(total)s have one; %(threshold)s %% needed).", value=coded, total=total,
              threshold=self.alignment_feedback_threshold))
        # 4. SLA compliance: met / (met + breached) in the period.
        [[on_time, rated]] = self.env["crm.sla.report"]._read_group(
            metrics["sla"][1] + [("sla_status", "in", ("met", "breached"))], [], ["on_time_rate:avg", "__count"])
        add("sla_compliance", _("SLA compliance"), 4, on_time if rated else None, self.alignment_sla_threshold, "%",
            _("Follow leads up within the SLA: %(threshold)s %% on time needed (see Follow-up Compliance).",
              threshold=self.alignment_sla_threshold))
        # 5. Attribution coverage: share of won revenue explained by touchpoints.
        [[revenue, unattributed]] = self.env["crm.attribution.report"]._read_group(
            metrics["attributed"][1], [], ["revenue:sum", "unattributed_revenue:sum"])
        add("attribution_coverage", _("Attribution coverage"), 5,
            (revenue - unattributed) * 100.0 / revenue if revenue else None, self.alignment_attribution_threshold,
            "%", _("Record the campaigns behind won deals (touchpoints): %(threshold)s %% of won revenue "
                   "explained needed.", threshold=self.alignment_attribution_threshold))
        # 5. Score calibration: the won rate rises with the grade.
        rates = dict(self.env["crm.score.report"]._read_group(metrics["scored"][1], ["grade"], ["won_rate:avg"]))
        present = [rates[grade] for grade, _label in GRADES if grade in rates]
        pairs = list(zip(present, present[1:]))
        calibrated = sum(1 for better, worse in pairs if better > worse)
        add("score_calibration", _("Score calibration"), 5, calibrated * 100.0 / len(pairs) if pairs else None,
            self.alignment_calibration_threshold, "%",
            _("Tune the scoring rules until better grades win more often (Lead Scoring report)."))
        return signals
