#!/usr/bin/env python3
"""Benchmark the Alignment dashboard's queries and a funnel plan's recompute.

On a throwaway database (``sma_bench_dash_<pid>``, dropped at the end, even
on failure) with ``sales_marketing_alignment`` installed without demo data,
the script:

1. generates N leads over the last 12 months with set-based SQL, each with
   its lifecycle history up to a drawn stage (inquiry 30 %, lead 20 %, MQL
   15 %, SAL 10 %, SQL 15 %, customer 10 %), hand-off, acceptance,
   assignment to one of five reps, first touch, SLA status, grade, won
   stage and revenue for the customers, and a touchpoint for half the deals;
2. times, as the dashboard does for "this quarter" and all teams, every
   query of ``crm.alignment.dashboard`` (each count and aggregate), the
   three blocks of ``get_dashboard_data`` (marketing, sales, maturity) and
   the whole call, then the recompute of a funnel plan (all its figures);
3. prints the time of each, and flags those over one second.

A benchmark, not a test: it asserts nothing. ``make bench`` runs it after
the scoring benchmark (``make bench DASH_LEADS=100000`` for a quicker run).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from bench_common import close_registry, dropdb, install, open_registry, run_on_throwaway_db  # noqa: E402

ADDON = "sales_marketing_alignment"
REPS = 5
BUDGET = 1.0  # seconds: what the issue asks of each query

LEADS_SQL = """
    WITH draws AS (
        SELECT g, random() AS r_stage, random() AS r_age, random() AS r_revenue, random() AS r_rep,
               random() AS r_touch, random() AS r_sla, random() AS r_grade
          FROM generate_series(1, %(count)s) AS g
    ), leads AS (
        SELECT g, r_touch, r_sla, r_grade,
               CASE WHEN r_stage < 0.30 THEN 1 WHEN r_stage < 0.50 THEN 2 WHEN r_stage < 0.65 THEN 3
                    WHEN r_stage < 0.75 THEN 4 WHEN r_stage < 0.90 THEN 5 ELSE 6 END AS top,
               %(now)s - INTERVAL '30 days' - r_age * INTERVAL '365 days' AS created,
               ROUND((1000 * POWER(100, r_revenue))::numeric, -2) AS revenue,
               (%(reps)s::int[])[1 + FLOOR(r_rep * CARDINALITY(%(reps)s::int[]))::int] AS rep
          FROM draws
    )
    INSERT INTO crm_lead (
        name, type, active, company_id, team_id, stage_id, user_id, probability, automated_probability,
        expected_revenue, prorated_revenue, lifecycle_stage, priority, color, sla_status,
        sla_escalation_count, assignment_manual, date_handoff, date_accepted, date_open,
        date_first_touch, date_closed, grade, score, date_scored, date_last_stage_update,
        create_uid, write_uid, create_date, write_date
    )
    SELECT 'Bench lead ' || g,
           CASE WHEN top >= 5 THEN 'opportunity' ELSE 'lead' END, TRUE, %(company)s, %(team)s,
           CASE WHEN top = 6 THEN %(won_stage)s ELSE %(stage)s END,
           CASE WHEN top >= 3 THEN rep END,
           CASE WHEN top = 6 THEN 100 ELSE 10 END, 10,
           revenue, revenue * 0.1, (%(stages)s::varchar[])[top], '0', 0,
           CASE WHEN top < 3 THEN 'none' WHEN r_sla < 0.8 THEN 'met' ELSE 'breached' END, 0, FALSE,
           CASE WHEN top >= 3 THEN created + INTERVAL '2 days' END,
           CASE WHEN top >= 4 THEN created + INTERVAL '3 days' END,
           CASE WHEN top >= 3 THEN created + INTERVAL '2 days' END,
           CASE WHEN top >= 3 AND r_sla < 0.9 THEN created + INTERVAL '2 days' + r_sla * INTERVAL '8 hours' END,
           CASE WHEN top = 6 THEN created + INTERVAL '10 days' END,
           (ARRAY['a', 'b', 'c', 'd'])[1 + FLOOR(r_grade * 4)::int], 0, created,
           created, %(uid)s, %(uid)s, created, created
      FROM leads
     ORDER BY g
    RETURNING id
"""

# One history row per stage the lead went through, two days apart.
HISTORY_SQL = """
    INSERT INTO crm_lead_lifecycle_history
           (lead_id, from_stage, to_stage, date, user_id, company_id, team_id, salesperson_id,
            create_uid, create_date, write_uid, write_date)
    SELECT l.id, CASE WHEN s.i > 1 THEN (%(stages)s::varchar[])[s.i - 1] END, (%(stages)s::varchar[])[s.i],
           l.create_date + (s.i - 1) * INTERVAL '2 days', l.create_uid, l.company_id, l.team_id, l.user_id,
           l.create_uid, l.create_date, l.create_uid, l.create_date
      FROM crm_lead AS l
      JOIN LATERAL generate_series(1, array_position(%(stages)s::varchar[], l.lifecycle_stage::varchar)) AS s(i)
        ON TRUE
     WHERE l.id BETWEEN %(first)s AND %(last)s
"""

TOUCH_SQL = """
    INSERT INTO crm_touchpoint (lead_id, campaign_id, origin, date, company_id, create_uid, create_date,
                                write_uid, write_date)
    SELECT id, %(campaign)s, 'manual', create_date, company_id, create_uid, create_date, create_uid, create_date
      FROM crm_lead
     WHERE id BETWEEN %(first)s AND %(last)s AND id %% 2 = 0
"""


def generate(env, count):
    """The leads, their history and touchpoints, in set-based SQL; returns the lead ids."""
    company = env.ref("base.main_company")
    stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    reps = env["res.users"].create([{
        "name": "Bench Rep %d" % index, "login": "bench_rep_%d" % index,
        "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
    } for index in range(REPS)])
    campaign = env["utm.campaign"].create({"title": "Bench campaign", "cost": 100000.0})
    stages = ["inquiry", "lead", "mql", "sal", "sql", "customer"]
    env.flush_all()
    env.cr.execute("SELECT setseed(0.42)")
    env.cr.execute(LEADS_SQL, {
        "count": count, "company": company.id, "team": env.ref("sales_team.team_sales_department").id,
        "stage": stage.id, "won_stage": won_stage.id, "reps": reps.ids, "stages": stages,
        "now": env.cr.now(), "uid": env.uid,
    })
    ids = [row[0] for row in env.cr.fetchall()]
    # The new leads' ids are consecutive: a range, not a million-element array.
    bounds = {"first": min(ids), "last": max(ids)}
    env.cr.execute(HISTORY_SQL, dict(bounds, stages=stages))
    env.cr.execute(TOUCH_SQL, dict(bounds, campaign=campaign.id))
    started = time.perf_counter()
    env["crm.lead.lifecycle.history"]._sync_funnel_dates()  # history written in SQL: the funnel dates follow
    print("Funnel dates of every lead from its history: %.1f s." % (time.perf_counter() - started), flush=True)
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE crm_lead_lifecycle_history")
    env.cr.execute("ANALYZE crm_touchpoint")
    env.cr.commit()
    env.invalidate_all()
    return ids


def timed(label, func, rows):
    started = time.perf_counter()
    func()
    seconds = time.perf_counter() - started
    rows.append((label, seconds))
    print("  %-48s %7.3f s%s" % (label, seconds, "  (over 1 s)" if seconds > BUDGET else ""), flush=True)


def run(db, args):
    import odoo  # noqa: PLC0415

    registry = open_registry(db, args.http_port)
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if args.reuse:
            env.cr.execute("SELECT COUNT(*) FROM crm_lead")
            print("Reusing %s: %d leads already generated." % (db, env.cr.fetchone()[0]), flush=True)
        else:
            started = time.perf_counter()
            ids = generate(env, args.leads)
            print("Generated %d leads in %.1f s." % (len(ids), time.perf_counter() - started), flush=True)
        env.cr.execute("SELECT COUNT(*) FROM crm_lead_lifecycle_history")
        print("History rows: %d." % env.cr.fetchone()[0], flush=True)

        Dashboard = env["crm.alignment.dashboard"]
        start, end = Dashboard._period_bounds("quarter")
        metrics = Dashboard._metrics(start, end, False)
        print("\nDashboard queries (this quarter, all teams):", flush=True)
        for key in ("inquiries", "leads", "mqls", "customers", "won_deals", "handed_off", "accepted", "nurture",
                    "waiting_acceptance", "without_tasks", "entered_mql", "converted_mql", "closed"):
            timed("count %s" % key, lambda key=key: Dashboard._count(metrics, key), rows)
        for key, groupby, aggregates in (
                ("sla", [], ["on_time_rate:avg", "__count"]),
                ("feedback", ["category"], ["__count"]),
                ("campaign_revenue", ["campaign_id"], ["revenue:sum"]),
                ("attributed", [], ["revenue:sum", "unattributed_revenue:sum"]),  # maturity: attribution coverage
                ("scored", ["grade"], ["won_rate:avg"]),  # maturity: score calibration
                ("rep_quality", ["user_id"], ["call_count:sum", "response_hours:avg", "accepted_rate:avg"])):
            model, domain = metrics[key][:2]
            timed("%s %s" % (model, ", ".join(groupby) or "total"),
                  lambda model=model, domain=domain, groupby=groupby, aggregates=aggregates:
                  env[model]._read_group(domain, groupby, aggregates), rows)
        timed("won deals by won date (count, revenue, cycle)", lambda: Dashboard._won_figures(metrics), rows)
        timed("conversion by lifecycle stage (one query)", lambda: Dashboard._conversion_counts(start, end, False),
              rows)
        timed("campaign costs of the period", lambda: Dashboard._campaign_costs(metrics), rows)
        print("\nDashboard blocks:", flush=True)
        timed("marketing side", lambda: Dashboard._marketing_data(start, end, False), rows)
        timed("sales side", lambda: Dashboard._sales_data(start, end, False), rows)
        timed("alignment maturity", lambda: env.company.get_alignment_maturity(
            date_from=start.date(), date_to=end.date()), rows)
        timed("get_dashboard_data (everything)", lambda: Dashboard.get_dashboard_data("quarter"), rows)

        print("\nFunnel plan:", flush=True)
        plan = env["crm.funnel.plan"].create({
            "name": "Bench plan", "revenue_goal": 5000000.0,
            "date_from": start.date(), "date_to": end.date()})

        def recompute():
            plan.invalidate_recordset()
            plan.line_ids.invalidate_recordset()
            plan.read(["avg_deal_size", "leads_needed", "projected_revenue", "bottleneck_stage", "warning"])
            plan.line_ids.read(["conversion_rate", "required_count", "actual_count"])

        timed("plan recompute (plan and lines)", recompute, rows)
        print("  leads needed %.0f, bottleneck %s" % (plan.leads_needed, plan.bottleneck_stage or "none"))
        cr.rollback()
    over = [label for label, seconds in rows if seconds > BUDGET]
    print("\n%d of %d timings over %.0f s%s" % (len(over), len(rows), BUDGET, (": " + ", ".join(over)) if over else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--leads", type=int, default=1000000, help="leads to generate (default: 1000000)")
    parser.add_argument("--http-port", type=int, default=8470, help="HTTP port of the Odoo processes")
    parser.add_argument("--db", help="database name (default: sma_bench_dash_<pid>, dropped at the end)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database at the end (needs --db), to time it again with --reuse")
    parser.add_argument("--reuse", action="store_true",
                        help="time an existing database kept by --keep (needs --db; update the addon in it "
                             "first if its code changed); generates nothing and drops nothing")
    args = parser.parse_args()
    if args.leads < 1:
        parser.error("--leads must be positive")
    if (args.keep or args.reuse) and not args.db:
        parser.error("--keep and --reuse need --db")
    db = args.db or "sma_bench_dash_%d" % os.getpid()
    if args.reuse:
        try:
            run(db, args)
        finally:
            close_registry(db)
    elif args.keep:
        dropdb(db)  # a fresh database, generated once
        install(db, args.http_port)
        try:
            run(db, args)
        finally:
            close_registry(db)
        print("\nDatabase %s kept: time it again with --db %s --reuse." % (db, db))
    else:
        run_on_throwaway_db(db, args.http_port, run, args)


if __name__ == "__main__":
    main()
