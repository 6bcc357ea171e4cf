# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import datetime, timedelta

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..tools.constants import CLOSED_STAGES, CONTENT_KINDS, DIMENSIONS, POINTS_LIMIT, RULE_ERRORS
from ..tools.domain import check_lead_domain, domain_field_names, eval_domain


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
        "domain", "points", "half_life_days", "dimension", "active", "company_id",
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

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
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
            [("company_id", "=", company_id)], order="sequence, id")
        return tuple((r.id, r.dimension, r.domain, r.points, r.half_life_days) for r in rules)

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
        for model in ("crm.scoring.rule", "crm.routing.rule"):
            for rule in self.env[model].sudo().with_context(active_test=True).search([]):
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
        keep the explanation lines in step, and write the scores grouped by
        value. Returns {lead id: score before}; nothing when no company has
        scoring or routing rules."""
        if not self._get_engine_info()[0]:
            # Nothing to score: the leads are evaluated under the current version all the same.
            for company, company_leads in leads.grouped(lambda lead: lead.company_id or self.env.company).items():
                stale = company_leads.filtered(lambda lead: lead.score_rules_version != company.score_rules_version)
                if stale:
                    stale.write({"score_rules_version": company.score_rules_version})
            return {}
        Line = self.env["crm.lead.score.line"].sudo()
        now = fields.Datetime.now()
        previous = {lead.id: (lead.score if lead.date_scored else None) for lead in leads}
        lines = {(line.lead_id.id, line.rule_id.id): line for line in Line.search([("lead_id", "in", leads.ids)])}
        totals = defaultdict(lambda: {"fit": 0, "engagement": 0})
        to_create, updates, errors, ran = [], defaultdict(list), {}, set()
        for company_id, company_leads in leads.grouped(lambda lead: lead._definition_company_id()).items():
            for rule_id, dimension, domain, points, half_life in self._get_rules(company_id):
                try:
                    with self.env.cr.savepoint(flush=False):
                        matched = set(company_leads._filter_domain_batch(self._match_domain(rule_id, domain)).ids)
                except RULE_ERRORS as error:  # skip the rule, score the rest
                    errors[rule_id] = str(error)
                    for lead in company_leads:  # keep its last known points
                        line = lines.pop((lead.id, rule_id), None)
                        if line:
                            totals[lead.id][line.dimension] += line.points
                    continue
                ran.add(rule_id)
                for lead in company_leads:
                    line = lines.pop((lead.id, rule_id), None)
                    if lead.id not in matched:
                        if line:
                            lines[lead.id, rule_id] = line  # left over: unlinked below
                        continue
                    since = line.date_matched if line else now
                    value = self._decayed_points(points, half_life, since, now)
                    totals[lead.id][dimension] += value
                    if not line:
                        to_create.append({
                            "lead_id": lead.id, "rule_id": rule_id, "dimension": dimension,
                            "rule_points": points, "points": value, "date_matched": now,
                            "company_id": lead.company_id.id,
                        })
                    elif (line.points, line.rule_points, line.dimension) != (value, points, dimension):
                        updates[value, points, dimension].append(line.id)
        # Lines of rules that no longer match, are archived or were deleted.
        Line.browse(line.id for line in lines.values()).unlink()
        Line.create(to_create)
        for (value, points, dimension), line_ids in updates.items():
            Line.browse(line_ids).write({"points": value, "rule_points": points, "dimension": dimension})
        self.sudo().browse(ran | set(errors))._report_errors(errors)
        by_vals = defaultdict(list)
        for lead in leads:
            fit, engagement = totals[lead.id]["fit"], totals[lead.id]["engagement"]
            company = lead.company_id or self.env.company
            by_vals[fit, engagement, company._score_grade(fit + engagement), company.score_rules_version].append(
                lead.id)
        for (fit, engagement, grade, version), lead_ids in by_vals.items():
            leads.browse(lead_ids).write({
                "fit_score": fit, "engagement_score": engagement, "score": fit + engagement,
                "grade": grade, "date_scored": now, "score_rules_version": version,
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
        and leads waiting for the routing job. Committed batches."""
        domain = self._rescore_domain()
        Lead = self.env["crm.lead"].with_context(active_test=False)
        if not domain:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        Log = self.env["crm.lead.routing.log"].sudo()
        last_log_id = Log.search([], order="id desc", limit=1).id or 0
        leads = Lead.search(domain, limit=batch_size, order="date_scored ASC NULLS FIRST, id")
        done = leads._pipeline_run()
        queued = done.filtered(lambda lead: lead.routing_state == "queued")
        if queued:
            # A team was being routed by a save at the same moment: try again soon.
            self.env.ref("sales_marketing_alignment.ir_cron_score_leads")._trigger(
                fields.Datetime.now() + timedelta(seconds=10))
        remaining = Lead.search_count(domain) if len(leads) == batch_size else 0
        self._summarize_rule_changes(done, last_log_id, finished=not remaining)
        self.env["ir.cron"]._notify_progress(done=len(done - queued), remaining=remaining)

    @api.model
    def _summarize_rule_changes(self, done, last_log_id, finished):
        """Count what the job did per company; once every lead is up to date,
        say it in one line on each rule changed since the last summary
        ("23 leads rescored, 4 re-routed"), instead of a note per lead."""
        rerouted = defaultdict(int)
        for company, count in self.env["crm.lead.routing.log"].sudo()._read_group(
                [("lead_id", "in", done.ids), ("id", ">", last_log_id)], ["company_id"], ["__count"]):
            rerouted[(company or self.env.company).id] += count
        for company, company_leads in done.grouped(lambda lead: lead.company_id or self.env.company).items():
            company = company.sudo()
            company.write({
                "score_rules_pending_rescored": company.score_rules_pending_rescored + len(company_leads),
                "score_rules_pending_rerouted": company.score_rules_pending_rerouted + rerouted[company.id],
            })
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
    def _rescore_domain(self):
        """Leads the job owes a run, over every company that has rules or
        criteria or had them; None when the pipeline is not used."""
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
                owed = expression.OR([owed, [("date_scored", "=", False)], [("routing_state", "=", "queued")]])
            parts.append(expression.AND([scope, owed]))
        return expression.OR(parts)
