# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import random
import time
from collections import defaultdict
from datetime import datetime, timedelta

import psycopg2

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.constants import (
    CLOSED_STAGES, CONTENT_KINDS, DIMENSIONS, POINTS_LIMIT, ROUTABLE_STAGES, RULE_ERRORS, RULE_VERSION_STATES,
)
from ..tools.domain import check_lead_domain, domain_field_names, eval_domain
from ..tools.sql import jit_off, match_select

# Lead fields the scoring engine writes.
SCORE_FIELDS = ["fit_score", "engagement_score", "score", "grade", "date_scored", "score_rules_version"]


class CrmScoringRule(models.Model):
    """One rule of the explainable lead score (paper 000, "Define Quality").

    A lead gets the rule's points while it matches the rule's condition. Fit
    rules describe who the lead is, engagement rules what it did; engagement
    points may halve every ``half_life_days`` since the lead started matching.
    """

    _name = "crm.scoring.rule"
    _inherit = ["crm.alignment.rule.mixin", "mail.thread"]
    _allow_empty_domain = False
    _lead_affecting_fields = frozenset({
        "domain", "points", "half_life_days", "dimension", "active", "company_id", "version_state",
        "access_min_count", "access_content_kind", "access_topic_id", "access_window_days",
    })
    _description = "Lead Scoring Rule"
    _order = "dimension, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    dimension = fields.Selection(
        DIMENSIONS, required=True, default="fit",
        help="Fit: who the lead is (industry, size, role, budget). "
        "Engagement: what the lead did (campaign responses, meetings, replies).",
    )
    domain = fields.Char(
        help="The leads this rule applies to, on any lead field.",
    )
    points = fields.Integer(
        required=True, default=10,
        help="Points a matching lead gets, between -1000 and 1000: negative points mark a poor fit.",
    )
    half_life_days = fields.Integer(
        "Half-life (days)", default=0,
        help="Engagement only: the points halve every this many days after the lead started "
        "matching the rule. 0: no decay.",
    )
    description = fields.Text(translate=True, help="Why this rule matters, for sales and marketing.")
    # Engagement with content (nurturing): "two white papers in 30 days"
    access_min_count = fields.Integer(
        "Items Opened", default=0,
        help="Engagement only: the lead must also have opened at least this many distinct content "
        "items (of the kind and topic below, in the window). 0: no condition on content.")
    access_content_kind = fields.Selection(CONTENT_KINDS, "Of Kind", help="Count only items of this kind.")
    access_topic_id = fields.Many2one(
        "crm.content.topic", "About Topic", ondelete="restrict", help="Count only items about this topic.")
    access_window_days = fields.Integer(
        "Within (days)", default=0, help="Count only items opened in the last this many days. 0: ever.")

    lead_count = fields.Integer("Matching Leads", compute="_compute_lead_count")

    # Versions (back-testing): the live rules score leads; a draft set is
    # tried on closed leads first; published sets are kept, archived.
    version_state = fields.Selection(
        RULE_VERSION_STATES, "Version", required=True, default="live", index=True, copy=False,
        help="Live: scores leads. Draft: being tried in a back-test, scores no lead. "
        "Archived: a former live set, kept to be restored.")
    ruleset_id = fields.Many2one(
        "crm.scoring.ruleset", "Rule Set", index="btree_not_null", ondelete="cascade", copy=False,
        help="The draft or former version this rule belongs to; the live rules of a company "
        "belong to its live set, or to none when no set was ever published.")

    def _compute_lead_count(self):
        counts = dict(self.env["crm.lead.score.line"]._read_group(
            [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]))
        for rule in self:
            rule.lead_count = counts.get(rule, 0)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("points")
    def _check_points(self):
        for rule in self:
            if abs(rule.points) > POINTS_LIMIT:
                raise ValidationError(_(
                    "Scoring rule \"%(name)s\" gives %(points)s points: points must be between "
                    "-1000 and 1000.", name=rule.name, points=rule.points))

    @api.constrains("dimension", "half_life_days")
    def _check_half_life(self):
        for rule in self:
            if rule.half_life_days < 0:
                raise ValidationError(_(
                    "The half-life of scoring rule \"%(name)s\" cannot be negative.", name=rule.name))
            if rule.dimension == "fit" and rule.half_life_days:
                raise ValidationError(_(
                    "Scoring rule \"%(name)s\" is a fit rule: who a lead is does not fade. "
                    "Only engagement rules can have a half-life.", name=rule.name))

    @api.constrains("domain", "access_min_count")
    def _check_domain(self):
        # A rule on content accesses alone ("watched a demo") needs no lead condition.
        for rule in self:
            check_lead_domain(self.env, rule.domain, rule.name, allow_empty=bool(rule.access_min_count))

    @api.constrains("dimension", "access_min_count", "access_content_kind", "access_topic_id", "access_window_days")
    def _check_access_condition(self):
        for rule in self:
            if rule.access_min_count < 0 or rule.access_window_days < 0:
                raise ValidationError(_(
                    "Scoring rule \"%(name)s\": the number of items opened and the window cannot be "
                    "negative.", name=rule.name))
            if not rule.access_min_count and (
                    rule.access_content_kind or rule.access_topic_id or rule.access_window_days):
                raise ValidationError(_(
                    "Scoring rule \"%(name)s\" sets a kind, topic or window of content opened: also set "
                    "how many items the lead must have opened.", name=rule.name))
            if rule.access_min_count and rule.dimension != "engagement":
                raise ValidationError(_(
                    "Scoring rule \"%(name)s\" counts content opened, which is engagement: make it an "
                    "engagement rule.", name=rule.name))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("ruleset_id") and "version_state" not in vals:
                # A rule added to a draft is a draft.
                vals["version_state"] = self.env["crm.scoring.ruleset"].browse(vals["ruleset_id"]).state
        return super().create(vals_list)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if default and "name" in default:
            return vals_list
        return [dict(vals, name=_("%s (copy)", rule.name)) for rule, vals in zip(self, vals_list)]

    # ------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache("company_id")
    def _get_rules(self, company_id):
        """Active rules of a company as a tuple of (id, dimension, domain string,
        points, half-life). Cached; cleared when rules change."""
        rules = self.sudo().with_context(active_test=True).search(
            [("company_id", "=", company_id), ("version_state", "=", "live")], order="sequence, id")
        return tuple((r.id, r.dimension, r.domain, r.points, r.half_life_days) for r in rules)

    @api.model
    @tools.ormcache("company_id")
    def _get_rule_version(self, company_id):
        """(scoring version, grade A, B and C cut-offs) of a company, cached with
        the rules and cleared with them: a lead is stamped with the version its
        rules were read under, so a rule set published while the job runs
        leaves every lead scored by exactly one version (the others are
        rescored)."""
        company = self.env["res.company"].sudo().browse(company_id)
        return (company.score_rules_version, company.score_grade_a, company.score_grade_b,
                company.score_grade_c)

    def _affects_leads(self):
        """Only live rules score leads: drafts and archived versions do not."""
        return self.filtered(lambda rule: rule.version_state == "live")

    @api.model
    def _match_domain(self, rule_id, domain):
        """The domain a lead must match for the rule ``rule_id`` whose condition
        is ``domain`` (its stored text). Extension point: a module adding
        conditions to scoring rules ANDs them here, and every engine matches
        this domain, never the raw text. Here: the rule's condition on
        content opened (crm.content.access), as a sub-query."""
        result = eval_domain(domain, self.env)
        condition = self._get_access_conditions().get(rule_id)
        if condition:
            result = expression.AND([result or [], [
                ("id", "in", self.env["crm.content.access"].sudo()._lead_ids_sql(*condition))]])
        return result

    @api.model
    @tools.ormcache()
    def _get_access_conditions(self):
        """{rule id: (items, kind, topic id, window days)} of the rules with a
        condition on content opened. Cached; cleared when rules change."""
        rules = self.sudo().with_context(active_test=False).search([("access_min_count", ">", 0)])
        return {rule.id: (rule.access_min_count, rule.access_content_kind or None,
                          rule.access_topic_id.id or None, rule.access_window_days) for rule in rules}

    @api.model
    @tools.ormcache()
    def _get_engine_info(self):
        """(whether any scoring or routing rule is active, in any company; the
        lead fields those rules read). Writing one of these fields runs the
        lead through the pipeline. Cached; cleared when rules change."""
        names, has_rules = set(), False
        for model, live in (("crm.scoring.rule", [("version_state", "=", "live")]), ("crm.routing.rule", [])):
            for rule in self.env[model].sudo().with_context(active_test=True).search(live):
                has_rules = True
                try:
                    names |= domain_field_names(eval_domain(rule.domain, self.env))
                except RULE_ERRORS:
                    continue  # a broken rule is reported when it runs
        names.discard("id")
        return has_rules, frozenset(names)

    @api.model
    def _score(self, leads):
        """Evaluate the scoring rules of each lead's company over the batch,
        keep the explanation lines in step, and write the scores and grades.
        Returns {lead id: score before}; nothing when no company has scoring
        or routing rules. Saved leads are scored by set-based SQL
        (``_score_sql``); leads being edited in a form, in memory."""
        if not self._get_engine_info()[0]:
            # Nothing to score: the leads are evaluated under the current version all the same.
            for company, company_leads in leads.grouped(lambda lead: lead.company_id or self.env.company).items():
                stale = company_leads.filtered(lambda lead: lead.score_rules_version != company.score_rules_version)
                if stale:
                    stale.write({"score_rules_version": company.score_rules_version})
            return {}
        saved = leads.filtered(lambda lead: isinstance(lead.id, int))
        previous = self._score_sql(saved) if saved else {}
        if leads - saved:
            previous.update(self._score_in_memory(leads - saved))
        return previous

    @api.model
    def _score_match_queries(self, groups, errors, only=None):
        """{rule id: (dimension, points, half-life, company id, Query)} for
        the active rules of each company of ``groups`` ({company id: leads}),
        each rule's ``_match_domain`` compiled by Odoo's query builder (no
        record rules), to be matched over the company's leads by
        ``match_select``. Rules failing to compile go to ``errors`` ({rule
        id: message}). ``only``: compile this rule id alone."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        compiled = {}
        for company_id, company_leads in groups.items():
            for rule_id, dimension, domain, points, half_life in self._get_rules(company_id):
                if rule_id in errors or only is not None and rule_id != only:
                    continue
                try:
                    query = Lead._search(self._match_domain(rule_id, domain))
                except RULE_ERRORS as error:
                    if isinstance(error, psycopg2.Error):
                        raise  # the transaction is aborted: the caller retries rule by rule
                    errors[rule_id] = str(error)
                    continue
                compiled[rule_id] = (dimension, points, half_life, company_id, query)
        return compiled

    @api.model
    def _score_sql(self, leads):
        """Score saved leads in one statement per batch: every rule's match
        (one UNION ALL of the compiled domains), explanation lines deleted,
        inserted and updated, decay, totals, grades and the leads' UPDATE.
        A rule failing at run time is found rule by rule, skipped, keeps its
        last lines and points, and is reported. Returns {lead id: score
        before (None when never scored)}."""
        now = fields.Datetime.now()
        # Only the company is needed here: a lead not in the cache yet (the
        # job's or a rescore's batch) would otherwise be read with all the
        # columns of crm_lead, a fifth of the time of scoring 10,000 leads.
        leads.fetch(["company_id"])
        groups = leads.grouped(lambda lead: lead._definition_company_id())
        # The statement reads leads (and whatever their rules' domains read),
        # explanation lines, rules and companies in the database, and writes
        # behind the ORM's back: pending ORM writes go first.
        self.env.flush_all()
        errors, result = {}, None
        try:
            with self.env.cr.savepoint(flush=False):
                compiled = self._score_match_queries(groups, errors)
                result = self._score_statement(groups, compiled, errors, now)
        except RULE_ERRORS as error:
            if not isinstance(error, psycopg2.Error):
                raise
            # Rare: one rule fails in the database. Find which, each in a
            # savepoint, and score with the others.
            compiled = {}
            for company_id, company_leads in groups.items():
                for rule_id, *_rest in self._get_rules(company_id):
                    if rule_id in errors:
                        continue
                    try:
                        with self.env.cr.savepoint(flush=False):
                            one = self._score_match_queries({company_id: company_leads}, errors, only=rule_id)
                            select = match_select([(key, item[4]) for key, item in one.items()], company_leads.ids)
                            if select is not None:
                                self.env.cr.execute(select)
                    except RULE_ERRORS as rule_error:
                        errors[rule_id] = str(rule_error)
                    else:
                        compiled.update(one)
            result = self._score_statement(groups, compiled, errors, now)
        # The statement wrote leads and explanation lines: drop what the
        # cache holds, and have whatever depends on the score recomputed.
        self.env["crm.lead.score.line"].invalidate_model()
        leads.invalidate_recordset(SCORE_FIELDS + ["score_line_ids", "write_uid", "write_date"])
        leads.modified(SCORE_FIELDS + ["score_line_ids"])
        ran = {rule_id for rule_id in compiled if rule_id not in errors}
        self.sudo().browse(ran | set(errors))._report_errors(errors)
        return result

    @api.model
    def _score_statement(self, groups, compiled, errors, now):
        """Run the scoring statement (see ``_score_sql``); returns {lead id:
        score before}."""
        lead_ids, company_ids, versions, cut_a, cut_b, cut_c = [], [], [], [], [], []
        for company_id, company_leads in groups.items():
            count = len(company_leads)
            version, grade_a, grade_b, grade_c = self._get_rule_version(company_id)
            lead_ids += company_leads.ids
            company_ids += [company_id] * count
            versions += [version] * count
            cut_a += [grade_a] * count
            cut_b += [grade_b] * count
            cut_c += [grade_c] * count
        rules = [(rule_id, dimension, points, half_life, company_id, False)
                 for rule_id, (dimension, points, half_life, company_id, _select) in compiled.items()
                 if rule_id not in errors]
        # Rules failing at run time keep their lines (last known points) for the leads they scored.
        rules += [(rule_id, None, 0, 0, company_id, True)
                  for company_id in groups for rule_id, *_rest in self._get_rules(company_id) if rule_id in errors]
        # Each company's rules over its leads, side by side in one scan.
        selects = [match_select([(rule[0], compiled[rule[0]][4]) for rule in rules
                                 if not rule[5] and rule[4] == company_id], company_leads.ids)
                   for company_id, company_leads in groups.items()]
        selects = [select for select in selects if select is not None]
        matched = SQL(" UNION ALL ").join(selects) if selects else SQL(
            "SELECT NULL::int AS rule_id, NULL::int AS lead_id WHERE FALSE")
        columns = list(zip(*rules)) if rules else [[], [], [], [], [], []]
        with jit_off(self.env.cr):
            self.env.cr.execute(SQL(
                """
                WITH batch AS (
                    SELECT * FROM unnest(%(lead_ids)s::int[], %(company_ids)s::int[], %(versions)s::int[],
                                         %(cut_a)s::int[], %(cut_b)s::int[], %(cut_c)s::int[])
                        AS b(lead_id, company_id, version, grade_a, grade_b, grade_c)
                ), rules AS (
                    SELECT * FROM unnest(%(rule_ids)s::int[], %(dimensions)s::varchar[], %(points)s::int[],
                                         %(half_lives)s::int[], %(rule_companies)s::int[], %(failed)s::bool[])
                        AS r(rule_id, dimension, points, half_life, company_id, failed)
                ), matched(rule_id, lead_id) AS (
                    %(matched)s
                ), old AS (
                    SELECT line.id, line.lead_id, line.rule_id, line.dimension, line.points,
                           line.rule_points, line.date_matched, batch.company_id
                      FROM crm_lead_score_line line
                      JOIN batch ON batch.lead_id = line.lead_id
                ), kept AS (
                    SELECT old.id, old.lead_id, old.dimension, old.points
                      FROM old
                      JOIN rules ON rules.rule_id = old.rule_id AND rules.failed AND rules.company_id = old.company_id
                ), fresh AS (
                    SELECT matched.lead_id, matched.rule_id, rules.dimension, rules.points AS rule_points,
                           old.id AS line_id, COALESCE(old.date_matched, %(now)s) AS date_matched,
                           CASE WHEN rules.half_life = 0 OR old.date_matched IS NULL OR old.date_matched >= %(now)s
                                THEN rules.points
                                -- As _decayed_points: float8 arithmetic, round() to even as Python's.
                                ELSE round(rules.points * power(0.5::float8,
                                    (EXTRACT(EPOCH FROM (%(now)s - old.date_matched))::float8 / 86400.0::float8)
                                    / rules.half_life::float8))::int
                           END AS points,
                           old.points AS old_points, old.rule_points AS old_rule_points, old.dimension AS old_dimension
                      FROM matched
                      JOIN rules ON rules.rule_id = matched.rule_id AND NOT rules.failed
                      LEFT JOIN old ON old.lead_id = matched.lead_id AND old.rule_id = matched.rule_id
                ), removed AS (
                    -- Lines of rules that no longer match, are archived, deleted or of another company.
                    DELETE FROM crm_lead_score_line line
                     USING old
                     WHERE line.id = old.id
                       AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.line_id = old.id)
                       AND NOT EXISTS (SELECT 1 FROM kept WHERE kept.id = old.id)
                ), added AS (
                    INSERT INTO crm_lead_score_line (lead_id, rule_id, dimension, rule_points, points, date_matched,
                                                     company_id, create_uid, create_date, write_uid, write_date)
                    SELECT fresh.lead_id, fresh.rule_id, fresh.dimension, fresh.rule_points, fresh.points,
                           fresh.date_matched, lead.company_id, %(uid)s, %(write_date)s, %(uid)s, %(write_date)s
                      FROM fresh
                      JOIN crm_lead lead ON lead.id = fresh.lead_id
                     WHERE fresh.line_id IS NULL
                ), changed AS (
                    UPDATE crm_lead_score_line line
                       SET points = fresh.points, rule_points = fresh.rule_points, dimension = fresh.dimension,
                           write_uid = %(uid)s, write_date = %(write_date)s
                      FROM fresh
                     WHERE line.id = fresh.line_id
                       AND (fresh.points, fresh.rule_points, fresh.dimension)
                           IS DISTINCT FROM (fresh.old_points, fresh.old_rule_points, fresh.old_dimension)
                ), sums AS (
                    -- Summed before the join with the batch: joined first, the
                    -- planner guessed 1.5M rows for 10,000 leads and turned JIT on.
                    SELECT part.lead_id,
                           SUM(part.points) FILTER (WHERE part.dimension = 'fit') AS fit,
                           SUM(part.points) FILTER (WHERE part.dimension = 'engagement') AS engagement
                      FROM (SELECT lead_id, dimension, points FROM fresh
                            UNION ALL SELECT lead_id, dimension, points FROM kept) part
                     GROUP BY part.lead_id
                ), totals AS (
                    SELECT batch.lead_id, batch.version, batch.grade_a, batch.grade_b, batch.grade_c,
                           COALESCE(sums.fit, 0)::int AS fit, COALESCE(sums.engagement, 0)::int AS engagement
                      FROM batch
                      LEFT JOIN sums ON sums.lead_id = batch.lead_id
                )
                -- prior: the lead as the statement found it (its score before).
                UPDATE crm_lead lead
                   SET fit_score = totals.fit, engagement_score = totals.engagement,
                       score = totals.fit + totals.engagement,
                       grade = CASE WHEN totals.fit + totals.engagement >= totals.grade_a THEN 'a'
                                    WHEN totals.fit + totals.engagement >= totals.grade_b THEN 'b'
                                    WHEN totals.fit + totals.engagement >= totals.grade_c THEN 'c'
                                    ELSE 'd' END,
                       date_scored = %(now)s, score_rules_version = totals.version,
                       write_uid = %(uid)s, write_date = %(write_date)s
                  FROM totals
                  JOIN crm_lead prior ON prior.id = totals.lead_id
                 WHERE lead.id = totals.lead_id
                RETURNING lead.id, CASE WHEN prior.date_scored IS NULL THEN NULL ELSE prior.score END
                """,
                lead_ids=lead_ids, company_ids=company_ids, versions=versions, cut_a=cut_a, cut_b=cut_b, cut_c=cut_c,
                rule_ids=list(columns[0]), dimensions=list(columns[1]), points=list(columns[2]),
                half_lives=list(columns[3]), rule_companies=list(columns[4]), failed=list(columns[5]),
                matched=matched, now=now, uid=self.env.uid, write_date=self.env.cr.now(),
            ))
            result = dict(self.env.cr.fetchall())
        return result

    @api.model
    def _score_in_memory(self, leads):
        """``_score`` for leads being edited in a form (not saved yet): rules
        matched in memory, lines and scores in the cache."""
        Line = self.env["crm.lead.score.line"].sudo()
        now = fields.Datetime.now()
        previous = {lead.id: (lead.score if lead.date_scored else None) for lead in leads}
        totals = defaultdict(lambda: {"fit": 0, "engagement": 0})
        for company_id, company_leads in leads.grouped(lambda lead: lead._definition_company_id()).items():
            for rule_id, dimension, domain, points, half_life in self._get_rules(company_id):
                try:
                    matched = company_leads.filtered_domain(self._match_domain(rule_id, domain))
                except RULE_ERRORS:
                    continue  # reported when the lead is saved and scored
                for lead in matched:
                    totals[lead.id][dimension] += points
                    lead.score_line_ids |= Line.new({
                        "lead_id": lead.id, "rule_id": rule_id, "dimension": dimension,
                        "rule_points": points, "points": points, "date_matched": now,
                    })
        for lead in leads:
            fit, engagement = totals[lead.id]["fit"], totals[lead.id]["engagement"]
            company = lead.company_id or self.env.company
            lead.update({
                "fit_score": fit, "engagement_score": engagement, "score": fit + engagement,
                "grade": company._score_grade(fit + engagement), "date_scored": now,
                "score_rules_version": company.score_rules_version,
            })
        return previous

    @api.model
    def _decayed_points(self, points, half_life, since, now):
        """Points halve every ``half_life`` days since ``since`` (0: no decay)."""
        if not half_life or now <= since:
            return points
        age_days = (now - since).total_seconds() / 86400.0
        return int(round(points * 0.5 ** (age_days / half_life)))

    @api.model
    def _apply_sales_ready(self, leads, previous):
        """Reaching the company's sales-ready score hands a lead to sales (MQL);
        a handed-off lead falling under it before acceptance goes to nurture.
        Leads at stage Lead are handed off while they are at or above the score;
        nurtured leads when their score rises to it again (and their re-engage
        date, if any, has come)."""
        if not previous:
            return
        today = fields.Date.context_today(self)
        to_mql, to_nurture = leads.browse(), leads.browse()
        for lead in leads.filtered("active"):
            threshold = (lead.company_id or self.env.company).mql_threshold
            if not threshold:
                continue
            before = previous.get(lead.id)
            was_ready = before is not None and before >= threshold
            if lead.score >= threshold and (
                lead.lifecycle_stage == "lead"
                or lead.lifecycle_stage == "nurture" and not was_ready
                and (not lead.reengage_date or lead.reengage_date <= today)
            ):
                to_mql |= lead
            elif lead.lifecycle_stage == "mql" and lead.score < threshold and was_ready:
                to_nurture |= lead
        if to_mql:
            to_mql._set_lifecycle_stage("mql", "score", extra_vals=leads._handoff_vals(), strict=False)
        if to_nurture:
            to_nurture._set_lifecycle_stage("nurture", "score", strict=False)

    # ------------------------------------------------------------
    # JOB
    # ------------------------------------------------------------

    @api.model
    def _cron_score_leads(self, batch_size=1000):
        """Run the pipeline on the leads that owe it: never scored, open leads
        every day (decay), after a change of rules, cut-offs or definition,
        and leads waiting for the routing job. Committed batches: Odoo's cron
        calls it again while ``_notify_progress`` reports leads remaining.
        The batch size is the cron's code (``model._cron_score_leads(
        batch_size=5000)``). Returns how many leads this call ran."""
        domain = self._rescore_domain()
        Lead = self.env["crm.lead"].with_context(active_test=False)
        if not domain:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return 0
        Log = self.env["crm.lead.routing.log"].sudo()
        last_log_id = Log.search([], order="id desc", limit=1).id or 0
        job = self.env.ref("sales_marketing_alignment.ir_cron_score_leads")
        try:
            with self.env.cr.savepoint(flush=False):
                leads = self._claim_leads(domain, batch_size)
        except psycopg2.errors.SerializationFailure:
            # A parallel worker committed some of the leads this transaction
            # saw owed since it began (REPEATABLE READ): nothing is lost, the
            # job runs again at once in a new transaction instead of failing.
            job._trigger()
            self.env["ir.cron"]._notify_progress(done=0, remaining=Lead.search_count(domain))
            return 0
        # A lead the job runs only because its routing was queued keeps its
        # score (same version, scored since the last decay): routed, not
        # rescored.
        to_score = Lead.sudo().search(expression.AND([[("id", "in", leads.ids)], self._rescore_domain(queued=False)]))
        to_route = leads - to_score
        done = to_score._pipeline_run() | to_route._pipeline_run(route_only=True)
        queued = done.filtered(lambda lead: lead.routing_state == "queued")
        for _retry in range(2):
            if not queued:
                break
            # A parallel worker was distributing the same team at that very
            # instant (milliseconds): route them again in this batch.
            time.sleep(random.uniform(0.02, 0.1))
            queued._pipeline_run(route_only=True)
            queued = queued.filtered(lambda lead: lead.routing_state == "queued")
        if queued:
            # A save or another batch holds the team: try again soon.
            job._trigger(fields.Datetime.now() + timedelta(seconds=10))
        remaining = Lead.search_count(domain) if len(leads) == batch_size else 0
        if remaining > batch_size:
            # More than this worker's next batch: the parallel worker job
            # takes other chunks at the same time (another cron thread,
            # worker or server), each claimed with SKIP LOCKED.
            worker = self.env.ref("sales_marketing_alignment.ir_cron_score_leads_worker",
                                  raise_if_not_found=False)
            if worker and worker.active:
                worker.sudo()._trigger()
        self._summarize_rule_changes(done, last_log_id, finished=not remaining, rescored=to_score)
        self.env["ir.cron"]._notify_progress(done=len(done - queued), remaining=remaining)
        return len(done)

    @api.model
    def _claim_leads(self, domain, batch_size):
        """The next ``batch_size`` leads the job owes a run, oldest scores first,
        locked for this transaction (FOR UPDATE SKIP LOCKED): workers running
        the job at the same time claim different chunks, and no lead is
        scored or routed twice."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        query = Lead._search(domain, limit=batch_size, order="date_scored ASC NULLS FIRST, id")
        # The claim runs on the database: pending ORM writes of leads go first.
        Lead.flush_model()
        # A conflict with a parallel worker's commit is expected and handled by the job: not logged.
        self.env.cr.execute(SQL("%s FOR UPDATE OF %s SKIP LOCKED", query.select(), SQL.identifier(query.table)),
                            log_exceptions=False)
        return self.env["crm.lead"].with_context(active_test=False).browse(
            [row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _summarize_rule_changes(self, done, last_log_id, finished, rescored=None):
        """Count what the job did per company (``rescored``: the leads of
        ``done`` it scored, all by default); once every lead is up to date,
        say it in one line on each rule changed since the last summary
        ("23 leads rescored, 4 re-routed"), instead of a note per lead."""
        rerouted = defaultdict(int)
        for company, count in self.env["crm.lead.routing.log"].sudo()._read_group(
                [("lead_id", "in", done.ids), ("id", ">", last_log_id)], ["company_id"], ["__count"]):
            rerouted[(company or self.env.company).id] += count
        rescored = done if rescored is None else rescored
        for company, company_leads in rescored.grouped(lambda lead: lead.company_id or self.env.company).items():
            company = company.sudo()
            try:
                with self.env.cr.savepoint():
                    # Not waiting for a parallel worker's batch that counted on
                    # the company row: its commit would fail this write anyway
                    # (REPEATABLE READ).
                    self.env.cr.execute(SQL(
                        "SELECT id FROM res_company WHERE id = %s FOR NO KEY UPDATE NOWAIT", company.id),
                        log_exceptions=False)
                    company.write({
                        "score_rules_pending_rescored": company.score_rules_pending_rescored + len(company_leads),
                        "score_rules_pending_rerouted": company.score_rules_pending_rerouted + rerouted[company.id],
                    })
            except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
                # A parallel worker counted its batch at the same moment: the
                # summary line undercounts this batch rather than failing it.
                company.invalidate_recordset(["score_rules_pending_rescored", "score_rules_pending_rerouted"])
        if not finished:
            return
        companies = self.env["res.company"].sudo().search([("score_rules_pending_rescored", ">", 0)])
        for company in companies:
            since = company.score_rules_summary_date or datetime.min
            for model in ("crm.scoring.rule", "crm.routing.rule"):
                rules = self.env[model].sudo().with_context(active_test=False).search(
                    [("company_id", "=", company.id), ("write_date", ">=", since)])
                if rules:
                    summary = self.with_context(lang=rules.write_uid[:1].lang or "en_US").env._(
                        "Rule changes applied: %(rescored)s leads rescored, %(rerouted)s re-routed.",
                        rescored=company.score_rules_pending_rescored,
                        rerouted=company.score_rules_pending_rerouted)
                    rules._message_log_batch(dict.fromkeys(rules.ids, summary))
            company.write({"score_rules_pending_rescored": 0, "score_rules_pending_rerouted": 0,
                           "score_rules_summary_date": fields.Datetime.now()})

    @api.model
    def _rescore_domain(self, queued=True):
        """Leads the job owes a run, over every company that has rules or
        criteria or had them; None when the pipeline is not used.
        ``queued=False``: without the leads owed only their routing (queued
        while another transaction distributed their team), which the job
        routes without rescoring."""
        companies = self.sudo().search([]).company_id | self.env["crm.routing.rule"].sudo().search([]).company_id
        companies |= self.env["crm.lead.definition.criterion"].sudo().search([]).company_id
        companies |= self.env["res.company"].sudo().search([("score_rules_version", "!=", 0)])
        if not companies:
            return None
        scoring = self._get_engine_info()[0]
        day_ago = fields.Datetime.now() - timedelta(days=1)  # decay: once a day
        parts = []
        for company in companies:
            scope = [("company_id", "=", company.id)]
            if company == self.env.company:
                scope = expression.OR([scope, [("company_id", "=", False)]])
            owed = [("score_rules_version", "!=", company.score_rules_version)]
            if scoring:
                owed = expression.OR([owed, [("date_scored", "<", day_ago)]])
            owed = expression.AND([[("active", "=", True), ("lifecycle_stage", "not in", CLOSED_STAGES)], owed])
            if scoring:
                owed = expression.OR([owed, [("date_scored", "=", False)]])
                if queued:
                    # Only while routing can still place them (else claimed at every run).
                    owed = expression.OR([owed, [("routing_state", "=", "queued"), ("active", "=", True),
                                                 ("lifecycle_stage", "in", ROUTABLE_STAGES)]])
            parts.append(expression.AND([scope, owed]))
        return expression.OR(parts)
