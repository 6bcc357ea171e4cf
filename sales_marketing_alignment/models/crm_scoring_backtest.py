# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools.constants import ACCEPTED_STAGES, BACKTEST_STATES, GRADES, RULE_ERRORS
from ..tools.sql import jit_off, match_select

VERSIONS = ("live", "draft")


class CrmScoringBacktest(models.Model):
    """A draft rule set tried on history before it goes live: the live rules
    and the draft score the leads won or lost in a look-back window, in
    SQL and in memory (no lead is written), and the result is compared
    side by side: leads, acceptance and won rates per grade and per score
    bucket, hand-offs at the sales-ready score, lift of grade A, AUC."""

    _name = "crm.scoring.backtest"
    _description = "Scoring Back-test"
    _order = "id desc"

    name = fields.Char(required=True, default=lambda self: _("Back-test"))
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    ruleset_id = fields.Many2one(
        "crm.scoring.ruleset", "Draft", required=True, ondelete="cascade", index=True,
        domain="[('company_id', '=', company_id), ('state', '!=', 'live')]",
        help="The rule set compared with the live rules: a draft, or a former version.")
    date_from = fields.Date(
        "Closed From", required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(months=12))
    date_to = fields.Date("Closed To", required=True, default=fields.Date.context_today)
    state = fields.Selection(BACKTEST_STATES, required=True, default="draft", readonly=True, copy=False)
    date_run = fields.Datetime("Run On", readonly=True, copy=False)
    line_ids = fields.One2many("crm.scoring.backtest.line", "backtest_id", string="Results", readonly=True)

    # Results (live rules, draft)
    closed_count = fields.Integer("Closed Leads", readonly=True)
    won_count = fields.Integer("Won", readonly=True)
    live_threshold = fields.Integer("Sales-ready Score (live)", readonly=True)
    draft_threshold = fields.Integer("Sales-ready Score (draft)", readonly=True)
    live_handed_count = fields.Integer("Handed to Sales (live)", readonly=True)
    draft_handed_count = fields.Integer("Handed to Sales (draft)", readonly=True)
    live_handed_won_count = fields.Integer("Handed and Won (live)", readonly=True)
    draft_handed_won_count = fields.Integer("Handed and Won (draft)", readonly=True)
    live_lift_a = fields.Float("Lift of Grade A (live)", digits=(16, 2), readonly=True,
                               help="Won rate of grade A / won rate of all closed leads.")
    draft_lift_a = fields.Float("Lift of Grade A (draft)", digits=(16, 2), readonly=True)
    live_auc = fields.Float("AUC (live)", digits=(16, 3), readonly=True,
                            help="Chance that a won lead scores more than a lost one (ties count half): "
                            "1 ranks perfectly, 0.5 is chance.")
    draft_auc = fields.Float("AUC (draft)", digits=(16, 3), readonly=True)
    verdict = fields.Text(readonly=True)

    @api.constrains("company_id", "ruleset_id", "date_from", "date_to")
    def _check_scope(self):
        for backtest in self:
            if backtest.ruleset_id.company_id != backtest.company_id:
                raise ValidationError(_(
                    "The draft \"%(draft)s\" holds the rules of %(other)s: a back-test of %(company)s "
                    "compares the rules of %(company)s only.", draft=backtest.ruleset_id.name,
                    other=backtest.ruleset_id.company_id.name, company=backtest.company_id.name))
            if backtest.date_from > backtest.date_to:
                raise ValidationError(_("The look-back window ends before it starts."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_run(self):
        """Score the leads won or lost in the window with the live rules and
        with the draft, without writing to them, and store the comparison."""
        for backtest in self:
            backtest._run()
        return True

    def _open(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "current"}

    # ------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------

    def _closed_domain(self):
        """Leads of the company (or of none, as the scoring engine takes them)
        won (active, won stage) or lost (archived at probability 0, as crm
        marks them) in the window."""
        self.ensure_one()
        return [
            ("company_id", "in", [self.company_id.id, False]),
            ("date_closed", ">=", fields.Datetime.to_datetime(self.date_from)),
            ("date_closed", "<", fields.Datetime.to_datetime(self.date_to + relativedelta(days=1))),
            "|", "&", ("active", "=", True), ("stage_id.is_won", "=", True),
            "&", ("active", "=", False), ("probability", "=", 0),
        ]

    def _version_rules(self):
        """{version: [(rule id, points, domain)]} for the live rules and the draft."""
        Rule = self.env["crm.scoring.rule"].sudo().with_context(active_test=True)
        live = Rule.search([("company_id", "=", self.company_id.id), ("version_state", "=", "live")])
        draft = self.ruleset_id.sudo().rule_ids.filtered("active")
        return {"live": live, "draft": draft}

    def _compile(self, rule):
        """A rule's condition compiled by Odoo's query builder (no record
        rules), to be matched over the closed leads by ``match_select``;
        None when it can match nothing."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        query = Lead._search(self.env["crm.scoring.rule"]._match_domain(rule.id, rule.domain))
        return None if query.is_empty() else query

    def _closed_query(self, closed_domain):
        """The closed leads, compiled by Odoo's query builder (no record rules)."""
        return self.env["crm.lead"].sudo().with_context(active_test=False)._search(closed_domain)

    def _rule_failed(self, version, rule, error, skipped):
        if version == "draft":
            raise UserError(_(
                "Draft rule \"%(rule)s\" cannot be evaluated: %(error)s. Correct its condition and "
                "run the back-test again.", rule=rule.name, error=error))
        skipped.append(rule.name)

    def _distribution(self, rules, closed_domain):
        """{version: {score: [leads, won, accepted]}} over the closed leads,
        in one statement (the rules of both versions matched side by side in
        one scan of the closed leads, ``match_select``); rules failing in
        the database are found on their own."""
        skipped = []
        selects = {}
        for version in VERSIONS:
            for rule in rules[version]:
                try:
                    selects[rule.id] = self._compile(rule)
                except RULE_ERRORS as error:
                    if isinstance(error, psycopg2.Error):
                        raise
                    self._rule_failed(version, rule, error, skipped)
        try:
            with self.env.cr.savepoint(flush=False):
                rows = self._distribution_query(rules, selects, closed_domain)
        except RULE_ERRORS as error:
            if not isinstance(error, psycopg2.Error):
                raise
            for version in VERSIONS:
                for rule in rules[version]:
                    if selects.get(rule.id) is None:
                        continue
                    try:
                        with self.env.cr.savepoint(flush=False):
                            self.env.cr.execute(match_select(
                                [(rule.id, selects[rule.id])], self._closed_query(closed_domain).subselect()))
                    except RULE_ERRORS as rule_error:
                        del selects[rule.id]
                        self._rule_failed(version, rule, rule_error, skipped)
            rows = self._distribution_query(rules, selects, closed_domain)
        result = {version: defaultdict(lambda: [0, 0, 0]) for version in VERSIONS}
        for version, score, count, won, accepted in rows:
            result[version][score] = [count, won, accepted]
        return result, skipped

    def _distribution_query(self, rules, selects, closed_domain):
        """The rows of ``_distribution``: (version, score, leads, won, accepted)."""
        # Without JIT: over 100,000 closed leads PostgreSQL compiled this
        # one-off statement for 3.5 s of its 4 s (bench/README.md).
        with jit_off(self.env.cr):
            self.env.cr.execute(self._distribution_sql(rules, selects, closed_domain))
            return self.env.cr.fetchall()

    def _distribution_sql(self, rules, selects, closed_domain):
        closed = self._closed_query(closed_domain)
        lead = SQL.identifier(closed.table)
        points = [(version, rule.id, rule.points) for version in VERSIONS for rule in rules[version]
                  if selects.get(rule.id) is not None]
        # The rules of both versions side by side in one scan of the closed
        # leads (a draft copies the live rules: their ids differ), the
        # closed leads found once, in the first step.
        matched = match_select([(rule_id, selects[rule_id]) for _version, rule_id, _points in points],
                               SQL("(SELECT id FROM closed)")) \
            or SQL("SELECT NULL::int AS rule_id, NULL::int AS lead_id WHERE FALSE")
        return SQL(
            """
            WITH closed AS (
                SELECT %(lead)s.id,
                       %(lead)s.active AND COALESCE(stage.is_won, FALSE) AS won,
                       EXISTS (SELECT 1 FROM crm_lead_lifecycle_history history
                                WHERE history.lead_id = %(lead)s.id AND history.to_stage IN %(accepted)s) AS accepted
                  FROM %(closed_from)s
                  LEFT JOIN crm_stage stage ON stage.id = %(lead)s.stage_id
                 WHERE %(closed_where)s
            ), points AS (
                SELECT * FROM unnest(%(versions)s::varchar[], %(rule_ids)s::int[], %(points)s::int[])
                    AS p(version, rule_id, points)
            ), matched(rule_id, lead_id) AS (
                %(matched)s
            ), sums AS (
                -- each lead's points per version, before meeting the leads
                SELECT matched.lead_id, points.version, SUM(points.points)::int AS score
                  FROM matched
                  JOIN points ON points.rule_id = matched.rule_id
                 GROUP BY matched.lead_id, points.version
            ), scores AS (
                SELECT version.name AS version, closed.won, closed.accepted, COALESCE(sums.score, 0) AS score
                  FROM closed
                 CROSS JOIN (VALUES ('live'), ('draft')) AS version(name)
                  LEFT JOIN sums ON sums.lead_id = closed.id AND sums.version = version.name
            )
            SELECT version, score, COUNT(*), COUNT(*) FILTER (WHERE won), COUNT(*) FILTER (WHERE accepted)
              FROM scores
             GROUP BY version, score
            """,
            accepted=ACCEPTED_STAGES, lead=lead, closed_from=closed.from_clause,
            closed_where=closed.where_clause or SQL("TRUE"),
            versions=[row[0] for row in points], rule_ids=[row[1] for row in points],
            points=[row[2] for row in points], matched=matched,
        )

    def _run(self):
        self.ensure_one()
        if self.company_id not in self.env.user.company_ids:
            raise UserError(_("You cannot back-test the scoring of %(company)s.", company=self.company_id.name))
        if self.ruleset_id.company_id != self.company_id:
            self._check_scope()
        for rule in self.ruleset_id.rule_ids.filtered("active"):
            try:
                rule._check_domain()
            except ValidationError as error:
                raise UserError(_("The draft has an invalid rule. %(error)s", error=error.args[0])) from error
        # The statement reads leads, their history and stages in the database.
        self.env.flush_all()
        closed_domain = self._closed_domain()
        rules = self._version_rules()
        distribution, skipped = self._distribution(rules, closed_domain)
        closed = sum(count for count, _won, _accepted in distribution["live"].values())
        if not closed:
            raise UserError(_(
                "No lead of %(company)s was won or lost between %(date_from)s and %(date_to)s: widen "
                "the look-back window to have history to test on.", company=self.company_id.name,
                date_from=self.date_from, date_to=self.date_to))
        company, draft = self.company_id, self.ruleset_id
        cutoffs = {
            "live": (company.score_grade_a, company.score_grade_b, company.score_grade_c, company.mql_threshold),
            "draft": (draft.score_grade_a, draft.score_grade_b, draft.score_grade_c, draft.mql_threshold),
        }
        won = sum(won for _count, won, _accepted in distribution["live"].values())
        stats = {version: self._stats(distribution[version], cutoffs[version], won / closed)
                 for version in VERSIONS}
        self.line_ids.unlink()
        self.env["crm.scoring.backtest.line"].create(self._line_vals(stats))
        vals = {"state": "done", "date_run": fields.Datetime.now(), "closed_count": closed, "won_count": won}
        for version in VERSIONS:
            vals.update({
                "%s_threshold" % version: cutoffs[version][3],
                "%s_handed_count" % version: stats[version]["handed"],
                "%s_handed_won_count" % version: stats[version]["handed_won"],
                "%s_lift_a" % version: stats[version]["lift_a"],
                "%s_auc" % version: stats[version]["auc"],
            })
        vals["verdict"] = self._verdict(vals, skipped)
        self.write(vals)

    @api.model
    def _grade(self, score, cutoffs):
        grade_a, grade_b, grade_c = cutoffs[:3]
        return "a" if score >= grade_a else "b" if score >= grade_b else "c" if score >= grade_c else "d"

    @api.model
    def _stats(self, distribution, cutoffs, won_rate):
        """Per grade, per 10-point bucket, hand-offs, lift of grade A and AUC
        from {score: [leads, won, accepted]} (one entry per distinct score)."""
        grades = defaultdict(lambda: [0, 0, 0])
        buckets = defaultdict(lambda: [0, 0, 0])
        handed = handed_won = 0
        threshold = cutoffs[3]
        for score, counts in distribution.items():
            for key, table in ((self._grade(score, cutoffs), grades), (score // 10 * 10, buckets)):
                table[key] = [total + count for total, count in zip(table[key], counts)]
            if threshold and score >= threshold:
                handed += counts[0]
                handed_won += counts[1]
        grade_a = grades.get("a")
        lift_a = (grade_a[1] / grade_a[0]) / won_rate if grade_a and grade_a[0] and won_rate else 0.0
        # AUC (Mann-Whitney): for each won lead, the lost leads scoring less,
        # plus half of those scoring the same.
        won_total = sum(counts[1] for counts in distribution.values())
        lost_total = sum(counts[0] - counts[1] for counts in distribution.values())
        pairs, lost_below = 0.0, 0
        for score in sorted(distribution):
            count, won, _accepted = distribution[score]
            lost = count - won
            pairs += won * (lost_below + lost / 2.0)
            lost_below += lost
        auc = pairs / (won_total * lost_total) if won_total and lost_total else 0.0
        return {"grades": grades, "buckets": buckets, "handed": handed, "handed_won": handed_won,
                "lift_a": lift_a, "auc": auc}

    def _line_vals(self, stats):
        def rate(part, whole):
            return 100.0 * part / whole if whole else 0.0

        def columns(version, counts):
            count, won, accepted = counts
            return {"%s_count" % version: count, "%s_won_count" % version: won,
                    "%s_accepted_count" % version: accepted,
                    "%s_won_rate" % version: rate(won, count), "%s_acceptance_rate" % version: rate(accepted, count)}

        vals_list = []
        for sequence, (grade, label) in enumerate(GRADES):
            vals = {"backtest_id": self.id, "sequence": sequence, "kind": "grade", "grade": grade,
                    "label": _("Grade %s", label)}
            for version in VERSIONS:
                vals.update(columns(version, stats[version]["grades"].get(grade, [0, 0, 0])))
            vals_list.append(vals)
        bounds = sorted(set(stats["live"]["buckets"]) | set(stats["draft"]["buckets"]), reverse=True)
        for sequence, bucket in enumerate(bounds, start=10):
            vals = {"backtest_id": self.id, "sequence": sequence, "kind": "bucket", "bucket_from": bucket,
                    "label": "%s to %s" % (bucket, bucket + 9)}
            for version in VERSIONS:
                vals.update(columns(version, stats[version]["buckets"].get(bucket, [0, 0, 0])))
            vals_list.append(vals)
        return vals_list

    def _verdict(self, vals, skipped):
        """The comparison in words, e.g. "The draft hands 12 % fewer leads to
        sales (88 instead of 100) and keeps 96 % of the won ones (48 of 50)"."""
        live, draft = vals["live_handed_count"], vals["draft_handed_count"]
        live_won, draft_won = vals["live_handed_won_count"], vals["draft_handed_won_count"]
        if not live:
            sentence = _("The live rules hand no lead to sales; the draft hands %(draft)s, %(won)s of them won.",
                         draft=draft, won=draft_won)
        else:
            change = round(100.0 * (draft - live) / live)
            if change < 0:
                handed = _("The draft hands %(pct)s %% fewer leads to sales (%(draft)s instead of %(live)s)",
                           pct=-change, draft=draft, live=live)
            elif change > 0:
                handed = _("The draft hands %(pct)s %% more leads to sales (%(draft)s instead of %(live)s)",
                           pct=change, draft=draft, live=live)
            else:
                handed = _("The draft hands as many leads to sales (%(draft)s)", draft=draft)
            if live_won and draft_won >= live_won:
                sentence = _("%(handed)s and keeps every won one (%(draft)s won, %(live)s with the live rules).",
                             handed=handed, draft=draft_won, live=live_won)
            elif live_won:
                sentence = _("%(handed)s and keeps %(pct)s %% of the won ones (%(draft)s of %(live)s).",
                             handed=handed, pct=round(100.0 * draft_won / live_won), draft=draft_won,
                             live=live_won)
            else:
                sentence = _("%(handed)s; none of the leads the live rules hand over was won, %(draft)s of "
                             "the draft's were.", handed=handed, draft=draft_won)
        sentence += " " + _(
            "Ranking (AUC): %(draft).2f for the draft, %(live).2f live (1 is perfect, 0.5 is chance).",
            draft=vals["draft_auc"], live=vals["live_auc"])
        if skipped:
            sentence += " " + _("Live rules skipped because they fail: %s.", ", ".join(skipped))
        return sentence

