#!/usr/bin/env python3
"""Benchmark the scoring and routing engine against Odoo 18's own CRM features.

On a throwaway database (``sma_bench_<pid>``, dropped at the end, even on
failure) with ``sales_marketing_alignment`` installed without demo data, the
script:

1. generates leads with set-based SQL (varied revenue, country, buying role,
   budget, company size, contact details, creation dates over 90 days), in
   steps: ``--sizes`` (default: 100,000 then ``--leads`` when ``--leads`` is
   larger, else ``--leads``), the leads of a size being the first of the next;
2. creates two sales teams and their salespeople, six scoring rules and three
   routing rules through the ORM;
3. at each size, over all the leads generated so far: times a hand-written
   SQL reference applying the same scoring rules (lines and scores, batches
   of ``--scoring-batch-size``), then the scoring engine alone
   (``crm.scoring.rule._score``, same batches), then
   ``crm.lead.action_score_and_route()`` (batches of ``--batch-size``), each
   batch committed, the leads reset in between; checks that the engine's
   scores equal the reference's, and prints how much of score-and-route's
   time its statements took in PostgreSQL (the rest is Python);
4. reruns the first ``--worker-leads`` leads through the scoring job
   (``_cron_score_leads``, which claims batches with SKIP LOCKED) with one
   worker process, then with two at the same time (``--worker-rounds``
   times, alternating), and prints both times, the ratio of the medians,
   the load average, and how many leads ran, were scored or were routed
   more than once (``--only-workers``: only this step, after 1 and 2);
5. on the same leads, times Odoo's rule-based lead assignment
   (``crm.team._action_assign_leads``, on the first ``--assign-leads``) and
   predictive lead scoring recompute
   (``crm.lead._cron_update_automated_probabilities``);
6. times a back-test (``crm.scoring.backtest``) of a draft against the live
   rules over the leads closed for the PLS run;
7. prints a summary table and the ratios.

This is a benchmark, not a test: it asserts nothing about speed. Run it with
``make bench`` (``make bench LEADS=20000`` for a quicker run,
``make bench LEADS=1000000`` for 100,000 and 1M leads).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from bench_common import open_registry, run_on_throwaway_db  # noqa: E402

ADDON = "sales_marketing_alignment"
DAYS_SPREAD = 90  # leads are created over the last 90 days
SALESMAN_GROUP = "sales_team.group_sale_salesman"
CAPACITY = 1000000  # member capacity: large enough never to limit any assignment
EUROPE = ["DE", "FR", "BE"]
COUNTRIES = ["us", "de", "fr", "be", "in", "br"]  # xml ids in base, module "base"

# Weighted value pools (a value listed twice is twice as likely).
BUYING_ROLES = ["decision_maker", "budget_holder", "influencer", "influencer", "evaluator",
                "evaluator", "end_user", "unknown", "unknown"]
BUDGET_STATUSES = ["formal", "informal", "informal", "none", "unknown", "unknown"]
COMPANY_SIZES = ["1_10", "1_10", "11_50", "11_50", "51_200", "51_200", "201_1000", "1001_5000",
                 "over_5000", "unknown"]

SCORING_RULES = [
    # (name, dimension, domain, points, half-life in days)
    ("Large deal", "fit", "[('expected_revenue', '>=', 50000)]", 30, 0),
    ("Decision maker", "fit", "[('buying_role', '=', 'decision_maker')]", 20, 0),
    ("Formal budget", "fit", "[('budget_status', '=', 'formal')]", 15, 0),
    ("Large company", "fit", "[('company_size', 'in', ['201_1000', '1001_5000', 'over_5000'])]", 10, 0),
    ("Country not served", "fit", "[('country_id.code', '=', 'BR')]", -10, 0),
    ("Reachable by email", "engagement", "[('email_from', '!=', False)]", 10, 30),
]

LEADS_SQL = """
    WITH draws AS (
        SELECT g, random() AS r_revenue, random() AS r_country, random() AS r_role,
               random() AS r_budget, random() AS r_size, random() AS r_contact, random() AS r_age
          FROM generate_series(1, %(count)s) AS g
    ), leads AS (
        SELECT g, r_contact,
               ROUND((1000 * POWER(500, r_revenue))::numeric, -2) AS revenue,
               CASE WHEN r_country < 0.1 THEN NULL
                    ELSE (%(countries)s::int[])[1 + FLOOR((r_country - 0.1) / 0.9
                                                         * CARDINALITY(%(countries)s::int[]))::int]
               END AS country_id,
               (%(roles)s::varchar[])[1 + FLOOR(r_role * CARDINALITY(%(roles)s::varchar[]))::int] AS role,
               (%(budgets)s::varchar[])[1 + FLOOR(r_budget * CARDINALITY(%(budgets)s::varchar[]))::int]
                   AS budget,
               (%(sizes)s::varchar[])[1 + FLOOR(r_size * CARDINALITY(%(sizes)s::varchar[]))::int] AS size,
               %(now)s - r_age * %(days)s * INTERVAL '1 day' AS created,
               'company' || (g %% 5000) || '.example.com' AS domain
          FROM draws
    )
    INSERT INTO crm_lead (
        name, type, active, company_id, team_id, stage_id, user_id, probability,
        automated_probability, expected_revenue, prorated_revenue, country_id, buying_role,
        budget_status, company_size, evaluation_timeframe, lifecycle_stage, contact_name,
        partner_name, email_from, email_normalized, email_domain_criterion, email_state, phone,
        phone_sanitized, phone_state, priority, color, sla_status, sla_escalation_count,
        assignment_manual, date_last_stage_update, create_uid, write_uid, create_date, write_date
    )
    SELECT 'Bench lead ' || g, 'lead', TRUE, %(company)s, %(team)s, %(stage)s, NULL, 10,
           10, revenue, revenue * 0.1, country_id, role,
           budget, size, 'unknown', 'lead', 'Contact ' || g,
           'Company ' || (g %% 5000),
           CASE WHEN r_contact >= 0.2 THEN 'contact' || g || '@' || domain END,
           CASE WHEN r_contact >= 0.2 THEN 'contact' || g || '@' || domain END,
           CASE WHEN r_contact >= 0.2 THEN domain END,
           CASE WHEN r_contact >= 0.2 THEN 'correct' END,
           CASE WHEN r_contact >= 0.4 THEN '+1 555 ' || LPAD((g %% 10000000)::text, 7, '0') END,
           CASE WHEN r_contact >= 0.4 THEN '+1555' || LPAD((g %% 10000000)::text, 7, '0') END,
           CASE WHEN r_contact >= 0.4 THEN 'correct' END,
           '0', 0, 'none', 0,
           FALSE, created, %(uid)s, %(uid)s, created, created
      FROM leads
     ORDER BY g
    RETURNING id
"""

# The first lifecycle history row of each lead, as the addon writes it at install.
HISTORY_SQL = """
    INSERT INTO crm_lead_lifecycle_history
           (lead_id, from_stage, to_stage, date, user_id, company_id, team_id, salesperson_id,
            create_uid, create_date, write_uid, write_date)
    SELECT id, NULL, lifecycle_stage, create_date, create_uid, company_id, team_id, user_id,
           create_uid, create_date, create_uid, create_date
      FROM crm_lead
     WHERE id = ANY(%(ids)s)
"""


# ------------------------------------------------------------
# DATABASE
# ------------------------------------------------------------

# ------------------------------------------------------------
# DATA
# ------------------------------------------------------------

def generate_leads(env, count):
    """Insert ``count`` new leads with set-based SQL; returns their ids in order."""
    company = env.ref("base.main_company")
    stage = env["crm.stage"].search([("is_won", "=", False), ("team_id", "=", False)], limit=1)
    countries = [env.ref("base.%s" % code).id for code in COUNTRIES]
    env.cr.execute("SELECT setseed(0.42)")  # the same leads on every run
    env.cr.execute(LEADS_SQL, {
        "count": count, "company": company.id, "team": env.ref("sales_team.team_sales_department").id,
        "stage": stage.id, "countries": countries, "roles": BUYING_ROLES, "budgets": BUDGET_STATUSES,
        "sizes": COMPANY_SIZES, "now": env.cr.now(), "days": DAYS_SPREAD, "uid": env.uid,
    })
    lead_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute(HISTORY_SQL, {"ids": lead_ids})
    env.cr.commit()
    analyze(env)
    return lead_ids


def analyze(env):
    """Refresh PostgreSQL's statistics of the tables the benchmark wrote in
    bulk: a database in use has autovacuum do it after such changes; without
    them, the planner can pick a nested loop over what it believes is a
    handful of rows (the back-test took 68 s instead of 0.4 s over 500 closed
    leads just closed)."""
    for table in ("crm_lead", "crm_lead_lifecycle_history", "crm_lead_score_line"):
        env.cr.execute("ANALYZE %s" % table)
    env.cr.commit()


def create_teams(env):
    """Two sales teams (4 and 3 salespeople) whose members have room for every lead."""
    group = env.ref(SALESMAN_GROUP)
    company = env.ref("base.main_company")
    teams = env["crm.team"]
    for name, size in (("Bench Inside Sales", 4), ("Bench Europe", 3)):
        slug = name.lower().replace(" ", "_")
        users = env["res.users"].with_context(no_reset_password=True).create([{
            "name": "%s %d" % (name, index), "login": "%s_%d" % (slug, index),
            "email": "%s_%d@example.com" % (slug, index), "groups_id": [(6, 0, group.ids)],
            "company_id": company.id, "company_ids": [(6, 0, company.ids)],
        } for index in range(1, size + 1)])
        team = env["crm.team"].create({
            "name": name, "company_id": company.id, "use_leads": True, "user_id": users[0].id,
        })
        env["crm.team.member"].create([{
            "crm_team_id": team.id, "user_id": user.id, "assignment_max": CAPACITY,
        } for user in users])
        teams |= team
    return teams


def create_rules(env, teams):
    """The scoring and routing rules of the benchmark, through the ORM."""
    company = env.ref("base.main_company")
    env["crm.scoring.rule"].create([{
        "name": name, "dimension": dimension, "domain": domain, "points": points,
        "half_life_days": half_life, "company_id": company.id,
    } for name, dimension, domain, points, half_life in SCORING_RULES])
    inside, europe = teams
    env["crm.routing.rule"].create([{
        "sequence": 10, "name": "Hot leads to inside sales", "domain": "[]",
        "score_min": 60, "target": "team", "team_id": inside.id,
        "distribution": "round_robin", "company_id": company.id,
    }, {
        "sequence": 20, "name": "Warm European leads", "domain": repr([("country_id.code", "in", EUROPE)]),
        "score_min": 40, "score_max": 59, "target": "team", "team_id": europe.id,
        "distribution": "capacity", "company_id": company.id,
    }, {
        "sequence": 30, "name": "Everything else to nurture", "domain": "[]",
        "score_min": -99999, "target": "nurture", "company_id": company.id,
    }])


# ------------------------------------------------------------
# TIMINGS
# ------------------------------------------------------------

# The same rules as SCORING_RULES, hand-written in SQL: the reference the
# engine is compared with. (name's points, dimension, condition on lead l)
REFERENCE_CONDITIONS = [
    (30, "fit", "l.expected_revenue >= 50000"),
    (20, "fit", "l.buying_role = 'decision_maker'"),
    (15, "fit", "l.budget_status = 'formal'"),
    (10, "fit", "l.company_size IN ('201_1000', '1001_5000', 'over_5000')"),
    (-10, "fit", "l.country_id IN (SELECT id FROM res_country WHERE code = 'BR')"),
    (10, "engagement", "l.email_from IS NOT NULL AND l.email_from != ''"),
]

REFERENCE_SQL = """
    WITH rules(rule_id, points, dimension) AS (SELECT * FROM unnest(%(rule_ids)s::int[], %(points)s::int[],
                                                                  %(dimensions)s::varchar[])),
    matched(rule_id, lead_id) AS ({matched}),
    removed AS (DELETE FROM crm_lead_score_line WHERE lead_id = ANY(%(ids)s)),
    added AS (
        INSERT INTO crm_lead_score_line (lead_id, rule_id, dimension, rule_points, points, date_matched, company_id,
                                         create_uid, create_date, write_uid, write_date)
        SELECT m.lead_id, m.rule_id, r.dimension, r.points, r.points, %(now)s, %(company)s, 1, %(now)s, 1, %(now)s
          FROM matched m JOIN rules r ON r.rule_id = m.rule_id
    ), totals AS (
        SELECT l.id, COALESCE(SUM(r.points) FILTER (WHERE r.dimension = 'fit'), 0) AS fit,
               COALESCE(SUM(r.points) FILTER (WHERE r.dimension = 'engagement'), 0) AS engagement
          FROM crm_lead l LEFT JOIN matched m ON m.lead_id = l.id LEFT JOIN rules r ON r.rule_id = m.rule_id
         WHERE l.id = ANY(%(ids)s)
         GROUP BY l.id
    )
    UPDATE crm_lead l SET fit_score = t.fit, engagement_score = t.engagement, score = t.fit + t.engagement,
           grade = CASE WHEN t.fit + t.engagement >= 80 THEN 'a' WHEN t.fit + t.engagement >= 50 THEN 'b'
                        WHEN t.fit + t.engagement >= 20 THEN 'c' ELSE 'd' END,
           date_scored = %(now)s
      FROM totals t WHERE l.id = t.id
"""


def reset_scores(env, lead_ids):
    """Leads back to unscored, unrouted, at stage Lead (as generated)."""
    cr = env.cr
    cr.execute("DELETE FROM crm_lead_score_line WHERE lead_id = ANY(%s)", [lead_ids])
    cr.execute("DELETE FROM crm_lead_lifecycle_history WHERE lead_id = ANY(%s) AND from_stage IS NOT NULL",
               [lead_ids])
    cr.execute("""
        UPDATE crm_lead SET fit_score = 0, engagement_score = 0, score = 0, grade = NULL, date_scored = NULL,
                            score_rules_version = 0, lifecycle_stage = 'lead', date_handoff = NULL
         WHERE id = ANY(%s)
    """, [lead_ids])
    cr.commit()
    env.invalidate_all()


def reset_routing(env, lead_ids, team_id):
    """Leads back to unrouted, in the team they were generated in, without
    hand-off activities nor routing log: the next run routes them all again."""
    cr = env.cr
    cr.execute("DELETE FROM mail_activity WHERE res_model = 'crm.lead' AND res_id = ANY(%s)", [lead_ids])
    cr.execute("DELETE FROM crm_lead_routing_log WHERE lead_id = ANY(%s)", [lead_ids])
    cr.execute("""
        UPDATE crm_lead SET routing_state = NULL, routing_rule_id = NULL, date_routed = NULL, user_id = NULL,
                            team_id = %s, assignment_manual = FALSE, date_open = NULL
         WHERE id = ANY(%s)
    """, [team_id, lead_ids])
    cr.commit()
    env.invalidate_all()


def time_reference(env, lead_ids, batch_size):
    """The hand-written SQL reference, in committed batches; returns (seconds, queries)."""
    cr = env.cr
    rules = env["crm.scoring.rule"].search([], order="id")
    by_name = {rule.name: rule.id for rule in rules}
    rule_ids = [by_name[name] for name, *_rest in SCORING_RULES]
    matched = " UNION ALL ".join(
        "SELECT %d, l.id FROM crm_lead l WHERE l.id = ANY(%%(ids)s) AND (%s)" % (rule_id, condition)
        for rule_id, (_points, _dimension, condition) in zip(rule_ids, REFERENCE_CONDITIONS))
    sql = REFERENCE_SQL.format(matched=matched)
    params = {"rule_ids": rule_ids, "points": [row[0] for row in REFERENCE_CONDITIONS],
              "dimensions": [row[1] for row in REFERENCE_CONDITIONS],
              "company": env.ref("base.main_company").id}
    started, queries_before = time.perf_counter(), cr.sql_log_count
    for offset in range(0, len(lead_ids), batch_size):
        cr.execute(sql, dict(params, ids=lead_ids[offset:offset + batch_size], now=cr.now()))
        cr.commit()
    return time.perf_counter() - started, cr.sql_log_count - queries_before


def snapshot_scores(env, lead_ids):
    env.cr.execute("SELECT id, fit_score, engagement_score, score, grade FROM crm_lead WHERE id = ANY(%s)",
                   [lead_ids])
    scores = {row[0]: row[1:] for row in env.cr.fetchall()}
    env.cr.execute("SELECT lead_id, rule_id, points FROM crm_lead_score_line WHERE lead_id = ANY(%s)", [lead_ids])
    return scores, set(env.cr.fetchall())


def time_scoring_alone(env, lead_ids, batch_size):
    """crm.scoring.rule._score alone (no definition, hand-off or routing), in
    committed batches, as the job's scoring step; returns (seconds, queries)."""
    cr = env.cr
    Scoring = env["crm.scoring.rule"]
    Lead = env["crm.lead"].with_context(active_test=False, mail_notrack=True)
    started, queries_before = time.perf_counter(), cr.sql_log_count
    for offset in range(0, len(lead_ids), batch_size):
        Scoring._score(Lead.browse(lead_ids[offset:offset + batch_size]))
        cr.commit()
        env.invalidate_all()
    return time.perf_counter() - started, cr.sql_log_count - queries_before


def time_backtest(env):
    """A draft (large deals 40 points instead of 30, sales-ready 60) back-tested
    against the live rules over the leads closed in the last 12 months;
    returns (seconds, queries, closed leads, verdict)."""
    cr = env.cr
    Ruleset = env["crm.scoring.ruleset"]
    draft = Ruleset.browse(Ruleset.action_create_draft()["res_id"])
    draft.rule_ids.filtered(lambda rule: rule.name == "Large deal").points = 40
    draft.mql_threshold = 60
    backtest = env["crm.scoring.backtest"].create({"ruleset_id": draft.id})
    cr.commit()
    env.invalidate_all()
    started, queries_before = time.perf_counter(), cr.sql_log_count
    backtest.action_run()
    cr.commit()
    return time.perf_counter() - started, cr.sql_log_count - queries_before, backtest.closed_count, backtest.verdict


def time_engine(env, lead_ids, batch_size):
    """Score and route the leads in committed batches; returns (seconds,
    queries, per-batch stats, seconds spent in the statements: Odoo's
    cursor's own timing of each, the commits themselves not included)."""
    cr = env.cr
    cr.execute("SELECT COUNT(*) FROM crm_lead WHERE id = ANY(%s) AND date_scored IS NOT NULL", [lead_ids])
    scored = cr.fetchone()[0]
    if scored:
        raise RuntimeError("%d generated leads were scored before the benchmark started." % scored)
    Lead = env["crm.lead"]
    batches = []
    report_every = max(1, (len(lead_ids) // batch_size) // 10)
    # Odoo's cursor adds each statement's time to the thread's query_time
    # when the thread has these counters (as its HTTP requests do).
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    started, queries_before = time.perf_counter(), cr.sql_log_count
    for offset in range(0, len(lead_ids), batch_size):
        batch = lead_ids[offset:offset + batch_size]
        batch_start, batch_queries = time.perf_counter(), cr.sql_log_count
        Lead.browse(batch).action_score_and_route()
        cr.commit()
        env.invalidate_all()  # as between two runs of the scoring job: memory stays flat
        batches.append((len(batch), time.perf_counter() - batch_start, cr.sql_log_count - batch_queries))
        number = len(batches)
        if number % report_every == 0 or offset + batch_size >= len(lead_ids):
            size, seconds, queries = batches[-1]
            print("  batch %4d: %5d leads, %6.2f s, %5d queries (%.2f per lead)"
                  % (number, size, seconds, queries, queries / size), flush=True)
    seconds, db_seconds = time.perf_counter() - started, thread.query_time
    del thread.query_count, thread.query_time
    return seconds, cr.sql_log_count - queries_before, batches, db_seconds


def report_engine_results(env, lead_ids, batches):
    """Per-batch query counts and where the leads went."""
    per_lead = [queries / size for size, _seconds, queries in batches]
    seconds = [secs for _size, secs, _queries in batches]
    print("  queries per lead per batch: first %.2f, median %.2f, last %.2f, max %.2f"
          % (per_lead[0], statistics.median(per_lead), per_lead[-1], max(per_lead)))
    print("  seconds per batch: first %.2f, median %.2f, last %.2f, max %.2f"
          % (seconds[0], statistics.median(seconds), seconds[-1], max(seconds)))
    for column in ("routing_state", "lifecycle_stage", "grade"):
        env.cr.execute(
            "SELECT %s, COUNT(*) FROM crm_lead WHERE id = ANY(%%s) GROUP BY 1 ORDER BY 1" % column,
            [lead_ids])
        print("  %s: %s" % (column, ", ".join("%s %d" % row for row in env.cr.fetchall())))


def time_crm_assignment(env, teams, lead_ids, sample):
    """Odoo's rule-based assignment of the first ``sample`` of the same leads,
    made unassigned again (its cost grows with the square of the leads, see
    README). Returns (seconds, queries, leads allocated to teams, leads
    assigned to salespeople)."""
    cr = env.cr
    # crm allocates leads without team nor salesperson, then gives the team's
    # leads never opened (no date_open) to its members: the sample is made so,
    # the other leads are kept out of its reach (a team and an opening date).
    cr.execute("""
        UPDATE crm_lead SET user_id = NULL, team_id = NULL, date_open = NULL
         WHERE id = ANY(%s)
    """, [lead_ids[:sample]])
    cr.execute("""
        UPDATE crm_lead SET team_id = COALESCE(team_id, %s), date_open = COALESCE(date_open, NOW())
         WHERE id = ANY(%s)
    """, [teams[0].id, lead_ids[sample:]])
    # The "Rule-Based Assignment" setting (only the settings screen reads it),
    # and the European team takes the countries of its routing rule.
    env["ir.config_parameter"].set_param("crm.lead.auto.assignment", True)
    teams[1].assignment_domain = repr([("country_id.code", "in", EUROPE)])
    cr.commit()
    env.invalidate_all()
    random.seed(42)  # crm picks teams at random, weighted by capacity
    started, queries_before = time.perf_counter(), cr.sql_log_count
    teams_data, members_data = teams._action_assign_leads(
        force_quota=True, creation_delta_days=DAYS_SPREAD + 1)
    cr.commit()
    seconds = time.perf_counter() - started
    allocated = sum(len(data["assigned"]) + len(data["merged"]) for data in teams_data.values())
    assigned = sum(len(data["assigned"]) for data in members_data.values())
    env.invalidate_all()
    return seconds, cr.sql_log_count - queries_before, allocated, assigned


def time_crm_pls(env, lead_ids):
    """Odoo's predictive lead scoring recompute, after closing 10% of the leads
    (half won, half lost) so that it has frequencies to learn from.
    Returns (seconds, queries, open leads recomputed, closed leads learnt from)."""
    cr = env.cr
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    lost_reason = env["crm.lost.reason"].search([], limit=1)
    won = lead_ids[::20]
    lost = lead_ids[10::20]
    cr.execute("""
        UPDATE crm_lead SET stage_id = %s, probability = 100, automated_probability = 100,
                            date_closed = write_date
         WHERE id = ANY(%s)
    """, [won_stage.id, won])
    cr.execute("""
        UPDATE crm_lead SET active = FALSE, probability = 0, automated_probability = 0,
                            lost_reason_id = %s, date_closed = write_date
         WHERE id = ANY(%s)
    """, [lost_reason.id, lost])
    params = env["ir.config_parameter"]
    start_date = (env.cr.now() - timedelta(days=DAYS_SPREAD + 30)).date()
    params.set_param("crm.pls_start_date", str(start_date))
    params.set_param("crm.pls_fields", "country_id,phone_state,email_state")
    cr.commit()
    analyze(env)
    env.invalidate_all()
    started, queries_before = time.perf_counter(), cr.sql_log_count
    env["crm.lead"]._cron_update_automated_probabilities()
    cr.commit()
    seconds = time.perf_counter() - started
    env.invalidate_all()
    closed = len(won) + len(lost)
    return seconds, cr.sql_log_count - queries_before, len(lead_ids) - closed, closed


def worker_main(args):
    """A worker process (``--worker``): load the registry, say "ready", wait
    for "go" on stdin, then run the scoring job (``_cron_score_leads``, which
    claims its batches with FOR UPDATE SKIP LOCKED) in committed batches, each
    in a new cursor as Odoo's cron does, until nothing is owed any more;
    print "done <leads run> <seconds> <ids scored>" (the ids of the leads it
    scored, in committed batches, comma-separated)."""
    import odoo  # noqa: PLC0415
    from odoo.service.model import retrying  # noqa: PLC0415

    registry = open_registry(args.db, args.http_port)
    # Count the leads each committed batch scored (the scoring step itself),
    # to tell a lead scored twice from one only routed again.
    Scoring = registry["crm.scoring.rule"]
    score, attempt = Scoring._score, []

    def counting_score(self, leads):
        attempt.extend(leads.ids)
        return score(self, leads)
    Scoring._score = counting_score

    def batch(env):
        attempt.clear()  # a retried batch counts once
        return env["crm.scoring.rule"]._cron_score_leads(batch_size=args.batch_size)

    print("ready", flush=True)
    sys.stdin.readline()
    started, done, scored, idle = time.perf_counter(), 0, [], 0
    while True:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            # The job itself steps aside when a claim meets leads the other
            # worker committed since its transaction began (REPEATABLE READ);
            # any other serialization failure is rolled back and run again,
            # as Odoo retries a request (odoo.service.model.retrying).
            count = retrying(lambda env=env: batch(env), env)
        scored += attempt
        done += count
        if count:
            idle = 0
            continue
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            domain = env["crm.scoring.rule"]._rescore_domain()
            owed = env["crm.lead"].with_context(active_test=False).search_count(domain) if domain else 0
        if not owed or idle > 600:
            break
        # The other worker holds the last owed leads (or a claim stepped
        # aside): look again shortly.
        idle += 1
        time.sleep(0.1)
    print("done %d %.3f %s" % (done, time.perf_counter() - started, ",".join(map(str, scored)) or "-"), flush=True)


def time_workers(env, db, args, lead_ids, team_id, workers):
    """Rescore ``lead_ids`` (made unscored and unrouted) with ``workers``
    concurrent OS processes running the scoring job; returns (wall seconds
    from "go" to the last worker's end, leads run per worker, leads routed
    once, leads routed more than once, leads scored more than once). The
    registries are loaded before the clock starts."""
    reset_scores(env, lead_ids)
    reset_routing(env, lead_ids, team_id)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--db", db,
           "--batch-size", str(args.batch_size), "--http-port", str(args.http_port)]
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _index in range(workers)]
    try:
        for proc in procs:
            line = proc.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError("A worker did not start: %r" % line)
        started = time.perf_counter()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        counts, scored = [], []
        for proc in procs:
            line = proc.stdout.readline().split()
            proc.wait()
            if not line or line[0] != "done":
                raise RuntimeError("A worker failed (exit code %s)." % proc.returncode)
            counts.append(int(line[1]))
            scored += [int(lead_id) for lead_id in line[3].split(",") if lead_id != "-"]
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    env.invalidate_all()
    scored_twice = len(scored) - len(set(scored))
    # No lead routed twice: one routing decision each (a lead whose team was
    # being distributed by the other worker at that instant is queued, then
    # routed by the job without being scored again: counted in ``counts``
    # twice, routed and scored once).
    env.cr.execute("""
        SELECT COUNT(*) FILTER (WHERE n = 1), COUNT(*) FILTER (WHERE n > 1)
          FROM (SELECT COUNT(*) AS n FROM crm_lead_routing_log WHERE lead_id = ANY(%s) GROUP BY lead_id) AS logs
    """, [lead_ids])
    routed_once, routed_twice = env.cr.fetchone()
    return seconds, counts, routed_once, routed_twice, scored_twice


def load_average():
    """The machine's load average over the last minute (the benchmark shares it)."""
    return os.getloadavg()[0]


# ------------------------------------------------------------
# MAIN
# ------------------------------------------------------------

def print_summary(rows):
    """The summary table, and the ratios per lead that the targets are about
    (at each size that has both rows)."""
    print("\n%-34s %8s %9s %9s %9s" % ("", "leads", "seconds", "leads/s", "queries"))
    for label, leads, seconds, queries in rows:
        print("%-34s %8d %9.2f %9.0f %9d" % (label, leads, seconds, leads / max(seconds, 1e-9), queries))
    per_lead = {label: seconds / leads for label, leads, seconds, _queries in rows if leads}
    sizes = sorted({leads for label, leads, _seconds, _queries in rows if label.startswith("scoring alone")})
    for size in sizes:
        at = " @%d" % size
        for engine, other in (("scoring alone" + at, "crm PLS recompute"),
                              ("scoring alone" + at, "SQL reference scoring" + at),
                              ("score-and-route" + at, "crm auto-assignment"),
                              ("score-and-route SQL only" + at, "crm auto-assignment"),
                              ("score-and-route" + at, "crm PLS recompute")):
            if engine in per_lead and other in per_lead:
                ratio = per_lead[engine] / per_lead[other]
                print("%s takes %.2fx the time per lead of %s (%.1fx %s)" % (
                    engine, ratio, other, 1 / ratio if ratio < 1 else ratio, "faster" if ratio < 1 else "slower"))


def time_size(env, lead_ids, args):
    """Reference, scoring alone and score-and-route over ``lead_ids`` (made
    unscored and unrouted first); returns the summary rows."""
    size = len(lead_ids)
    team_id = env.ref("sales_team.team_sales_department").id
    reset_scores(env, lead_ids)
    reset_routing(env, lead_ids, team_id)
    at = " @%d" % size
    print("\n== %d leads ==" % size, flush=True)
    print("Hand-written SQL reference scoring (batches of %d)..." % args.scoring_batch_size, flush=True)
    ref_seconds, ref_queries = time_reference(env, lead_ids, args.scoring_batch_size)
    reference = snapshot_scores(env, lead_ids)
    print("  %d leads in %.2f s" % (size, ref_seconds), flush=True)
    reset_scores(env, lead_ids)
    print("\nScoring alone (crm.scoring.rule._score, batches of %d)..." % args.scoring_batch_size, flush=True)
    alone_seconds, alone_queries = time_scoring_alone(env, lead_ids, args.scoring_batch_size)
    engine_scores = snapshot_scores(env, lead_ids)
    print("  %d leads in %.2f s, %d queries; scores %s the reference's, lines %s" % (
        size, alone_seconds, alone_queries,
        "equal to" if engine_scores[0] == reference[0] else "DIFFERENT FROM",
        "equal" if engine_scores[1] == reference[1] else "DIFFERENT"), flush=True)
    del reference, engine_scores
    reset_scores(env, lead_ids)

    print("\nScoring and routing (action_score_and_route, batches of %d):" % args.batch_size, flush=True)
    engine_seconds, engine_queries, batches, db_seconds = time_engine(env, lead_ids, args.batch_size)
    print("  %d leads in %.1f s (%.0f leads/s), %d queries; %.1f s (%.0f%%) in PostgreSQL's statements, "
          "the rest in Python" % (size, engine_seconds, size / engine_seconds, engine_queries, db_seconds,
                                  100 * db_seconds / engine_seconds))
    report_engine_results(env, lead_ids, batches)
    return [
        ("score-and-route" + at, size, engine_seconds, engine_queries),
        # What score-and-route would take if its Python cost nothing: the
        # time of its statements alone, a bound on what tuning Python gains.
        ("score-and-route SQL only" + at, size, db_seconds, engine_queries),
        ("scoring alone" + at, size, alone_seconds, alone_queries),
        ("SQL reference scoring" + at, size, ref_seconds, ref_queries),
    ]


def run(db, args):
    """Everything that happens in the throwaway database."""
    import odoo  # noqa: PLC0415

    registry = open_registry(db, args.http_port)
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        lead_ids = []
        teams = None
        # Each size on the same database: the leads of the smaller size are
        # the first of the larger one, so the cost's growth shows.
        for size in args.sizes:
            started, new = time.perf_counter(), size - len(lead_ids)
            lead_ids += generate_leads(env, new)
            print("\nGenerated %d leads (%d in all) in %.1f s." % (
                new, len(lead_ids), time.perf_counter() - started), flush=True)
            if teams is None:
                teams = create_teams(env)
                create_rules(env, teams)
                cr.commit()
            if not args.only_workers:
                rows += time_size(env, lead_ids, args)

        worker_ids = lead_ids[:args.worker_leads]
        team_id = env.ref("sales_team.team_sales_department").id
        if args.only_workers:
            # The other leads were never scored (no score-and-route step ran):
            # out of the job's reach, as after that step.
            version = env.ref("base.main_company").score_rules_version
            cr.execute("UPDATE crm_lead SET date_scored = now() AT TIME ZONE 'UTC', score_rules_version = %s "
                       "WHERE id = ANY(%s)", [version, lead_ids[args.worker_leads:]])
            cr.commit()
        print("\nThe scoring job (_cron_score_leads, batches of %d, SKIP LOCKED claims) over %d leads, "
              "1 worker process then 2%s..." % (args.batch_size, len(worker_ids),
                                                " (%d rounds)" % args.worker_rounds if args.worker_rounds > 1 else ""),
              flush=True)
        times = {1: [], 2: []}
        for _round in range(args.worker_rounds):
            for workers in (1, 2):
                load = load_average()
                seconds, counts, once, twice, scored_twice = time_workers(
                    env, db, args, worker_ids, team_id, workers)
                times[workers].append(seconds)
                print("  %d worker(s): %.1f s (load average %.2f at start, %.2f at end); leads run per worker %s "
                      "(%d run more than once: queued while the other worker distributed their team, then "
                      "routed only); %d leads scored twice; %d routed once, %d routed twice"
                      % (workers, seconds, load, load_average(), "+".join(map(str, counts)),
                         sum(counts) - len(worker_ids), scored_twice, once, twice), flush=True)
        for workers in (1, 2):
            rows.append(("job, %d worker(s)" % workers, len(worker_ids), statistics.median(times[workers]), 0))
        print("  2 workers finish %.2fx faster than 1 (medians)" % (rows[-2][2] / rows[-1][2]), flush=True)
        if args.only_workers:
            print_summary(rows)
            return

        sample = min(args.assign_leads, len(lead_ids))
        print("\nOdoo's lead assignment (crm.team._action_assign_leads) of the first %d leads..." % sample,
              flush=True)
        assign_seconds, assign_queries, allocated, assigned = time_crm_assignment(env, teams, lead_ids, sample)
        print("  %d leads allocated to the teams, %d assigned to salespeople, in %.1f s"
              % (allocated, assigned, assign_seconds))

        print("\nOdoo's predictive lead scoring (_cron_update_automated_probabilities)...", flush=True)
        pls_seconds, pls_queries, pls_open, pls_closed = time_crm_pls(env, lead_ids)
        print("  %d open leads recomputed from %d won or lost leads, in %.1f s"
              % (pls_open, pls_closed, pls_seconds))

        print("\nBack-test of a draft against the live rules (crm.scoring.backtest)...", flush=True)
        bt_seconds, bt_queries, bt_closed, verdict = time_backtest(env)
        print("  %d closed leads in %.2f s: %s" % (bt_closed, bt_seconds, verdict))

    print_summary(rows + [
        ("crm auto-assignment", assigned, assign_seconds, assign_queries),
        ("crm PLS recompute", pls_open, pls_seconds, pls_queries),
        ("back-test (live+draft)", bt_closed, bt_seconds, bt_queries),
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--leads", type=int, default=100000, help="leads to generate (default: 100000)")
    parser.add_argument("--sizes", help="comma-separated numbers of leads to time scoring and routing at, on "
                        "the same database, the largest generated (default: 100000 and --leads when --leads "
                        "is above 100000, else --leads)")
    parser.add_argument("--batch-size", type=int, default=1000,
                        help="leads per score-and-route and job batch (default: 1000)")
    parser.add_argument("--scoring-batch-size", type=int, default=10000,
                        help="leads per statement for scoring alone and its SQL reference (default: 10000)")
    parser.add_argument("--worker-leads", type=int, default=20000,
                        help="leads the scoring job reruns with 1 then 2 worker processes (default: 20000)")
    parser.add_argument("--assign-leads", type=int, default=20000,
                        help="leads given to Odoo's own assignment, the first of the generated ones; its time "
                        "grows with the square of the leads (default: 20000)")
    parser.add_argument("--http-port", type=int, default=8469, help="HTTP port of the Odoo processes")
    parser.add_argument("--db", help="name of the throwaway database (default: sma_bench_<pid>); dropped at "
                        "the start and at the end")
    parser.add_argument("--only-workers", action="store_true",
                        help="time only the scoring job with 1 and 2 worker processes (no reference, scoring "
                        "alone, score-and-route, Odoo's features or back-test)")
    parser.add_argument("--worker-rounds", type=int, default=1,
                        help="times the 1- and 2-worker runs are repeated, alternating; the medians are kept "
                        "(default: 1)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # a worker process (internal)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return
    if min(args.leads, args.batch_size, args.scoring_batch_size, args.worker_leads, args.assign_leads,
           args.worker_rounds) < 1:
        parser.error("--leads, --batch-size, --scoring-batch-size, --worker-leads, --assign-leads and "
                     "--worker-rounds must be positive")
    if args.sizes:
        try:
            args.sizes = sorted({int(size) for size in args.sizes.split(",")})
        except ValueError:
            parser.error("--sizes takes numbers separated by commas, e.g. 100000,1000000")
        if args.sizes[0] < 1:
            parser.error("--sizes must be positive")
    else:
        args.sizes = [100000, args.leads] if args.leads > 100000 else [args.leads]
    args.leads = args.sizes[-1]

    db = args.db or "sma_bench_%d" % os.getpid()
    run_on_throwaway_db(db, args.http_port, run, args)


if __name__ == "__main__":
    main()
