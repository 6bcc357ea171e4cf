# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.constants import RULE_VERSION_STATES


class CrmScoringRuleset(models.Model):
    """A version of a company's scoring: its rules, sales-ready score and
    grade cut-offs. A draft is copied from the live rules, changed, tried
    on closed leads (crm.scoring.backtest) and published; the set it
    replaces is kept, archived, and can be restored."""

    _name = "crm.scoring.ruleset"
    _inherit = ["mail.thread"]
    _description = "Scoring Rule Set (version)"
    _order = "company_id, state, id desc"

    name = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    state = fields.Selection(RULE_VERSION_STATES, required=True, default="draft", tracking=True, copy=False)
    rule_ids = fields.One2many(
        "crm.scoring.rule", "ruleset_id", string="Rules", context={"active_test": False})
    mql_threshold = fields.Integer(
        "Sales-ready Score", help="A lead whose score reaches this is handed to sales. 0: no hand-off.")
    score_grade_a = fields.Integer("Grade A From")
    score_grade_b = fields.Integer("Grade B From")
    score_grade_c = fields.Integer("Grade C From")
    date_published = fields.Datetime("Published On", readonly=True, copy=False)
    date_archived = fields.Datetime("Replaced On", readonly=True, copy=False)
    backtest_ids = fields.One2many("crm.scoring.backtest", "ruleset_id", string="Back-tests")
    backtest_count = fields.Integer(compute="_compute_backtest_count")

    def _compute_backtest_count(self):
        counts = dict(self.env["crm.scoring.backtest"]._read_group(
            [("ruleset_id", "in", self.ids)], ["ruleset_id"], ["__count"]))
        for ruleset in self:
            ruleset.backtest_count = counts.get(ruleset, 0)

    @api.constrains("score_grade_a", "score_grade_b", "score_grade_c", "mql_threshold")
    def _check_cutoffs(self):
        for ruleset in self:
            if not ruleset.score_grade_a > ruleset.score_grade_b > ruleset.score_grade_c:
                raise ValidationError(_(
                    "Grade cut-offs of \"%(name)s\" must go down from A to C: A from %(a)s, B from %(b)s "
                    "and C from %(c)s are out of order.", name=ruleset.name, a=ruleset.score_grade_a,
                    b=ruleset.score_grade_b, c=ruleset.score_grade_c))
            if ruleset.mql_threshold < 0:
                raise ValidationError(_(
                    "The sales-ready score of \"%(name)s\" cannot be negative (0 turns the hand-off off).",
                    name=ruleset.name))

    @api.constrains("company_id", "rule_ids")
    def _check_rule_company(self):
        for ruleset in self:
            if ruleset.rule_ids.filtered(lambda rule, r=ruleset: rule.company_id != r.company_id):
                raise ValidationError(_(
                    "The rules of \"%(name)s\" must belong to its company, %(company)s.",
                    name=ruleset.name, company=ruleset.company_id.name))

    def write(self, vals):
        if "company_id" in vals and self.filtered(lambda ruleset: ruleset.state != "draft"):
            raise UserError(_("Only a draft rule set can move to another company."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_live(self):
        if self.filtered(lambda ruleset: ruleset.state == "live"):
            raise UserError(_("The live rule set scores leads: publish another one before deleting it."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.model
    def action_create_draft(self):
        """Copy the current company's live rules, sales-ready score and grade
        cut-offs into a new draft, and open it."""
        company = self.env.company
        live = self.env["crm.scoring.rule"].search(
            [("company_id", "=", company.id), ("version_state", "=", "live")])
        draft = self.create({
            "name": _("Draft of %(date)s", date=fields.Date.to_string(fields.Date.context_today(self))),
            "company_id": company.id,
            "mql_threshold": company.mql_threshold,
            "score_grade_a": company.score_grade_a,
            "score_grade_b": company.score_grade_b,
            "score_grade_c": company.score_grade_c,
        })
        for rule in live:  # a few dozen rules at most
            rule.copy({"name": rule.name, "version_state": "draft", "ruleset_id": draft.id,
                       "company_id": company.id})
        return draft._open()

    def action_run_backtest(self):
        """Back-test this draft (or former version) against the live rules over
        the closed leads of the last 12 months, and open the result."""
        self.ensure_one()
        backtest = self.env["crm.scoring.backtest"].create({
            "ruleset_id": self.id, "company_id": self.company_id.id})
        backtest.action_run()
        return backtest._open()

    def action_publish(self):
        """Make this draft (or archived version) the company's live scoring:
        the current live rules are kept as an archived version, the company
        takes this set's sales-ready score and cut-offs, and the scoring job
        rescores the open leads under the new version."""
        self.ensure_one()
        if self.state == "live":
            raise UserError(_("\"%(name)s\" is already live.", name=self.name))
        self.check_access("write")
        if self.company_id not in self.env.user.company_ids:
            raise UserError(_("You cannot publish the scoring of %(company)s.", company=self.company_id.name))
        self.rule_ids._check_domain()
        company = self.company_id.sudo()
        Rule = self.env["crm.scoring.rule"].sudo().with_context(active_test=False)
        now = fields.Datetime.now()
        old_rules = Rule.search([("company_id", "=", company.id), ("version_state", "=", "live")])
        old_set = self.sudo().search([("company_id", "=", company.id), ("state", "=", "live")], limit=1)
        if not old_set:
            old_set = self.sudo().create({
                "name": _("Live until %(date)s", date=fields.Datetime.to_string(now)),
                "company_id": company.id, "state": "archived",
                "mql_threshold": company.mql_threshold, "score_grade_a": company.score_grade_a,
                "score_grade_b": company.score_grade_b, "score_grade_c": company.score_grade_c,
            })
        old_set.write({"state": "archived", "date_archived": now})
        old_rules.write({"version_state": "archived", "ruleset_id": old_set.id})
        self.sudo().write({"state": "live", "date_published": now, "date_archived": False})
        self.rule_ids.sudo().write({"version_state": "live"})
        company.write({
            "mql_threshold": self.mql_threshold, "score_grade_a": self.score_grade_a,
            "score_grade_b": self.score_grade_b, "score_grade_c": self.score_grade_c,
        })
        company._scoring_rules_changed()
        self.message_post(body=_("Published: these rules now score the leads of %(company)s.",
                                 company=company.name))
        return True

    def _open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
