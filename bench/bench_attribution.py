#!/usr/bin/env python3
"""Benchmark campaign attribution: the attribution report and the campaign economics.

On a throwaway database (``sma_bench_attr_<pid>``, dropped at the end, even on
failure) with ``sales_marketing_alignment`` installed without demo data, the
script:

1. generates N opportunities with set-based SQL, each with 3 touchpoints of
   20 campaigns (dated 30, 20 and 10 days before its close), a lifecycle
   history whose milestones fall between them (so W-shaped finds three
   distinct milestones), and a share of them won (``--won-share``);
2. reads the attribution report as its pivot does (credit and revenue summed
   by campaign, ``_read_group``) once per attribution model, then all models
   at once, and times each read;
3. for each model, makes it the company's and reads the campaign economics
   of the 20 campaigns (leads, MQLs, SALs, credited won deals, attributed
   revenue, cost per lead and per customer, ROI), and times each read;
4. prints a table: model, report seconds and queries, economics seconds and
   queries, beside each other.

This is a benchmark, not a test: it asserts nothing about speed. ``make
bench`` runs it after the scoring benchmark with the same ``LEADS``.
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from bench_common import close_registry, dropdb, install, open_registry  # noqa: E402

ADDON = "sales_marketing_alignment"
CAMPAIGNS = 20
TOUCH_DAYS = (30, 20, 10)  # touches before the close date, oldest first
MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay", "w_shaped")

LEADS_SQL = """
    WITH draws AS (
        SELECT g, random() AS r_revenue, random() AS r_won, random() AS r_age
          FROM generate_series(1, %(count)s) AS g
    )
    INSERT INTO crm_lead (
        name, type, active, company_id, team_id, stage_id, probability, automated_probability,
        expected_revenue, prorated_revenue, lifecycle_stage, company_size, priority, color,
        sla_status, sla_escalation_count, assignment_manual, date_closed, date_last_stage_update,
        create_uid, write_uid, create_date, write_date
    )
    SELECT 'Bench deal ' || g, 'opportunity', TRUE, %(company)s, %(team)s,
           CASE WHEN r_won < %(won_share)s THEN %(won_stage)s ELSE %(open_stage)s END,
           CASE WHEN r_won < %(won_share)s THEN 100 ELSE 10 END, 10,
           ROUND((1000 * POWER(100, r_revenue))::numeric, -2),
           ROUND((1000 * POWER(100, r_revenue))::numeric, -2) * 0.1,
           CASE WHEN r_won < %(won_share)s THEN 'customer' ELSE 'sql' END, 'unknown', '0', 0,
           'none', 0, FALSE,
           %(now)s - r_age * 60 * INTERVAL '1 day',
           %(now)s - r_age * 60 * INTERVAL '1 day',
           %(uid)s, %(uid)s,
           %(now)s - (r_age * 60 + 31) * INTERVAL '1 day', %(now)s - r_age * 60 * INTERVAL '1 day'
      FROM draws
     ORDER BY g
    RETURNING id
"""

# Three touches per deal, each of a campaign drawn from the deal's id and the
# touch's position, at 30, 20 and 10 days before the close date.
TOUCHPOINTS_SQL = """
    INSERT INTO crm_touchpoint (lead_id, campaign_id, origin, date, company_id, user_id,
                                create_uid, write_uid, create_date, write_date)
    SELECT l.id, (%(campaigns)s::int[])[1 + (l.id * 7 + d.pos * 13) %% CARDINALITY(%(campaigns)s::int[])],
           'api', l.date_closed - d.days * INTERVAL '1 day', l.company_id, %(uid)s,
           %(uid)s, %(uid)s, l.create_date, l.create_date
      FROM crm_lead AS l
CROSS JOIN UNNEST(%(days)s::int[]) WITH ORDINALITY AS d(days, pos)
     WHERE l.id = ANY(%(ids)s)
"""

# Inquiry at the first touch, lead 15 days and opportunity (SQL) 5 days before
# the close: between the touches, so each milestone has its own touch; won
# deals become customers at their close.
HISTORY_SQL = """
    INSERT INTO crm_lead_lifecycle_history
           (lead_id, from_stage, to_stage, date, user_id, company_id, create_uid, create_date,
            write_uid, write_date)
    SELECT l.id, m.from_stage, m.to_stage, l.date_closed - m.days * INTERVAL '1 day', %(uid)s,
           l.company_id, %(uid)s, l.create_date, %(uid)s, l.create_date
      FROM crm_lead AS l
CROSS JOIN (VALUES (NULL, 'inquiry', 30), ('inquiry', 'lead', 15), ('lead', 'sql', 5),
                   ('sql', 'customer', 0)) AS m(from_stage, to_stage, days)
     WHERE l.id = ANY(%(ids)s) AND (m.to_stage <> 'customer' OR l.probability = 100)
"""


def generate(env, count, won_share):
    """``count`` deals with 3 touchpoints each and their lifecycle history; returns the campaigns."""
    company = env.ref("base.main_company")
    campaigns = env["utm.campaign"].create([{
        "title": "Bench campaign %02d" % index, "cost": 1000.0 * index,
    } for index in range(1, CAMPAIGNS + 1)])
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    open_stage = env["crm.stage"].search([("is_won", "=", False), ("team_id", "=", False)], limit=1)
    env.flush_all()
    env.cr.execute("SELECT setseed(0.42)")  # the same deals on every run
    env.cr.execute(LEADS_SQL, {
        "count": count, "company": company.id, "team": env.ref("sales_team.team_sales_department").id,
        "won_stage": won_stage.id, "open_stage": open_stage.id, "won_share": won_share,
        "now": env.cr.now(), "uid": env.uid,
    })
    ids = [row[0] for row in env.cr.fetchall()]
    params = {"ids": ids, "campaigns": campaigns.ids, "days": list(TOUCH_DAYS), "uid": env.uid}
    env.cr.execute(TOUCHPOINTS_SQL, params)
    touches = env.cr.rowcount
    env.cr.execute(HISTORY_SQL, params)
    env.cr.execute("ANALYZE crm_lead; ANALYZE crm_touchpoint; ANALYZE crm_lead_lifecycle_history")
    env.cr.commit()
    env.invalidate_all()
    won = env["crm.lead"].search_count([("id", "in", ids), ("probability", "=", 100)])
    print("Generated %d deals (%d won), %d touchpoints, %d campaigns." % (len(ids), won, touches, CAMPAIGNS),
          flush=True)
    return campaigns


def timed(env, function):
    """(seconds, queries, result) of ``function()``, on a cold cache."""
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, env.cr.sql_log_count - queries, result


def read_report(env, model=None):
    domain = [("model", "=", model)] if model else []
    groupby = ["campaign_id"] if model else ["campaign_id", "model"]
    return env["crm.attribution.report"]._read_group(domain, groupby, ["credit:sum", "revenue:sum", "__count"])


def read_economics(campaigns):
    return campaigns.read(["lead_count", "mql_count", "sal_count", "won_count", "won_revenue",
                           "cost_per_lead", "cost_per_customer", "roi"])


def run(db, args):
    install(db, args.http_port)
    import odoo  # noqa: PLC0415

    registry = open_registry(db, args.http_port)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        campaigns = generate(env, args.leads, args.won_share)
        company = env.ref("base.main_company")
        rows = []
        for model in MODELS:
            company.attribution_model = model
            env.flush_all()
            report_s, report_q, groups = timed(env, lambda model=model: read_report(env, model))
            report_rows = sum(count for _campaign, _credit, _revenue, count in groups)
            revenue = sum(total for _campaign, _credit, total, _count in groups)
            economics_s, economics_q, economics = timed(env, lambda: read_economics(campaigns))
            rows.append((model, report_rows, report_s, report_q, economics_s, economics_q))
            best = max(economics, key=lambda values: values["won_revenue"])
            print("  %-15s report %8.2f s (%d rows, revenue %.0f); economics %6.2f s (top campaign %s: "
                  "%.1f won, ROI %.2f)" % (model, report_s, report_rows, revenue, economics_s,
                                           campaigns.browse(best["id"]).title, best["won_count"], best["roi"]),
                  flush=True)
        all_s, all_q, groups = timed(env, lambda: read_report(env))
        rows.append(("all six models", sum(group[-1] for group in groups), all_s, all_q, None, None))
        cr.rollback()
    close_registry(db)
    print()
    print("| model            | report rows | report s | queries | economics s | queries |")
    print("|------------------|------------:|---------:|--------:|------------:|--------:|")
    for model, report_rows, report_s, report_q, economics_s, economics_q in rows:
        print("| %-16s | %11s | %8.2f | %7d | %11s | %7s |" % (
            model, "{:,}".format(report_rows), report_s, report_q,
            "-" if economics_s is None else "%.2f" % economics_s,
            "-" if economics_q is None else economics_q))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--leads", type=int, default=100000, help="deals to generate (default: 100000)")
    parser.add_argument("--won-share", type=float, default=0.3, help="share of the deals won (default: 0.3)")
    parser.add_argument("--http-port", type=int, default=8470, help="HTTP port of the Odoo processes")
    args = parser.parse_args()
    db = "sma_bench_attr_%d" % os.getpid()

    def interrupted(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    started = time.perf_counter()
    try:
        run(db, args)
    finally:
        dropdb(db)
    print("Attribution benchmark: %.0f s in all." % (time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
