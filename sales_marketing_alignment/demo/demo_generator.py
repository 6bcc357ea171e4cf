# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Deterministic demo history: 360 leads and opportunities over 12 months.

Fixed records (teams, reps, campaigns, partners) live in
``sales_marketing_alignment_demo.xml``; this module adds the volume every
dashboard needs at first start. A fixed seed makes the same profiles,
outcomes and activities on every install; dates are relative to the install
day so the history always covers the past twelve months.

Every generated lead gets an ``ir.model.data`` entry of this module, so
uninstalling the addon removes the demo history with the other demo data.
"""

import random
from collections import defaultdict
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

SEED = 20261124
LEAD_COUNT = 360

COMPANY_PREFIXES = [
    "Alpine", "Blue", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor",
    "Iris", "Juniper", "Keystone", "Lumen", "Maple", "Nimbus", "Orion", "Pioneer",
    "Quartz", "Redwood", "Summit", "Tidal", "Union", "Vertex", "Willow", "Zenith",
]
COMPANY_SUFFIXES = [
    "Logistics", "Foods", "Health", "Analytics", "Manufacturing", "Energy",
    "Retail", "Software", "Consulting", "Pharma", "Textiles", "Robotics",
]
FIRST_NAMES = [
    "Anna", "Ben", "Chloe", "David", "Elena", "Felix", "Grace", "Hannah", "Ivan",
    "Julia", "Karim", "Laura", "Marco", "Nina", "Oscar", "Priya", "Quentin",
    "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Yara",
]
LAST_NAMES = [
    "Adams", "Bauer", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes",
    "Ito", "Jensen", "Khan", "Lopez", "Moreau", "Novak", "Okafor", "Patel",
    "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Vogel", "Weber", "Young",
]
# team xmlid -> (country codes, US/CA states or None)
TEAMS = {
    "team_europe": ["BE", "FR", "DE", "NL", "ES", "IT"],
    "team_north_america": ["US", "CA"],
    "team_asia_pacific": ["AU", "SG", "IN", "JP"],
}
# campaign xmlid -> (weight, source xmlid, medium xmlid, quality bias, deal size)
CAMPAIGNS = {
    "campaign_webinar": (14, "utm.utm_source_newsletter", "utm.utm_medium_email", 0.10, 18000),
    "campaign_search_ads": (22, "utm.utm_source_search_engine", "utm.utm_medium_google_adwords", -0.05, 9000),
    "campaign_linkedin_abm": (12, "utm.utm_source_linkedin", "utm.utm_medium_linkedin", 0.15, 32000),
    "campaign_trade_show": (14, "sales_marketing_alignment.utm_source_trade_show", "utm.utm_medium_direct", 0.05, 26000),
    "campaign_partner": (9, "sales_marketing_alignment.utm_source_partner_referral", "utm.utm_medium_direct", 0.20, 22000),
    "campaign_newsletter": (8, "utm.utm_source_newsletter", "utm.utm_medium_email", 0.0, 7000),
    "campaign_retargeting": (9, "utm.utm_source_facebook", "utm.utm_medium_facebook", -0.15, 5000),
    None: (12, "utm.utm_source_search_engine", "utm.utm_medium_website", 0.0, 12000),
}
# Done activities that were a click on a shared quick action.
QUICK_ACTION_NOTES = {
    "Left voicemail": "quick_action_left_voicemail",
    "Followed up by email": "quick_action_email_sent",
    "Demo meeting": "quick_action_meeting_held",
}
TIMEFRAMES = ["under_1_month", "1_3_months", "3_6_months", "6_12_months", "over_12_months", "unknown"]
COMPANY_SIZES = ["1_10", "11_50", "51_200", "201_1000", "1001_5000", "over_5000", "unknown"]
ACTIVITY_NOTES = {
    "mail.mail_activity_data_call": ["Left voicemail", "Discovery call held", "Qualification call"],
    "mail.mail_activity_data_email": ["Sent product overview", "Sent case study", "Followed up by email"],
    "mail.mail_activity_data_meeting": ["Demo meeting", "Pricing review"],
}


def generate_demo_data(env):
    """Create the demo leads, their outcomes and activities (idempotent)."""
    module = "sales_marketing_alignment"
    if env["ir.model.data"].search_count([("module", "=", module), ("model", "=", "crm.lead")]):
        return
    rng = random.Random(SEED)
    now = fields.Datetime.now().replace(microsecond=0)
    ref = env.ref
    Lead = env["crm.lead"].with_context(
        mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True,
        mail_notrack=True, mail_auto_subscribe_no_notify=True,
    )

    countries = {c.code: c for c in env["res.country"].search([
        ("code", "in", [code for codes in TEAMS.values() for code in codes])])}
    teams = {xmlid: ref(f"{module}.{xmlid}") for xmlid in TEAMS}
    campaign_keys = list(CAMPAIGNS)
    campaign_weights = [CAMPAIGNS[key][0] for key in campaign_keys]
    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence")
    lost_reasons = env["crm.lost.reason"].search([])
    resellers = ref(f"{module}.partner_reseller_northwind") | ref(f"{module}.partner_reseller_kangaroo")
    triggers = env["crm.purchase.trigger"].search([])
    industries = env["res.partner.industry"].search([])

    vals_list, plans = [], []
    for index in range(LEAD_COUNT):
        team_key = rng.choice(list(TEAMS))
        team = teams[team_key]
        country = countries.get(rng.choice(TEAMS[team_key]))
        campaign_key = rng.choices(campaign_keys, weights=campaign_weights)[0]
        _weight, source, medium, bias, deal_size = CAMPAIGNS[campaign_key]
        quality = min(max(rng.random() + bias, 0.0), 1.0)
        age_days = rng.randint(0, 364)
        company = f"{rng.choice(COMPANY_PREFIXES)} {rng.choice(COMPANY_SUFFIXES)}"
        contact = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = "%s@%s.example.com" % (
            contact.lower().replace(" ", "."), company.lower().replace(" ", "-"))
        members = team.member_ids
        # Fresh, poor-fit inquiries stay with marketing (no salesperson).
        assigned = quality > 0.3 or age_days > 45
        user = rng.choice(members) if (assigned and members) else env["res.users"]
        # Outcome: older, better-fitting leads converted and closed more often.
        matured = age_days > 20
        converted = matured and quality > 0.35 and rng.random() < 0.75
        outcome = "open"
        if converted and age_days > 35:
            roll = rng.random()
            if roll < 0.25 + 0.45 * quality:
                outcome = "won"
            elif roll < 0.8:
                outcome = "lost"
        elif matured and not converted and rng.random() < 0.35:
            outcome = "lost"
        if quality > 0.6:
            buying_role = rng.choice(["decision_maker", "budget_holder", "evaluator"])
            budget = rng.choice(["formal", "informal", "informal"])
        elif quality > 0.3:
            buying_role = rng.choice(["influencer", "evaluator", "end_user", "unknown"])
            budget = rng.choice(["informal", "none", "unknown"])
        else:
            buying_role = rng.choice(["end_user", "unknown", "unknown"])
            budget = rng.choice(["none", "unknown", "unknown"])
        revenue = round(deal_size * rng.uniform(0.4, 2.2) * (0.6 + quality), -2)
        vals = {
            "name": f"{company}: {rng.choice(['Needs a quote', 'Product inquiry', 'Demo request', 'Pricing question', 'Evaluation'])}",
            "type": "lead",
            "buying_role": buying_role,
            "budget_status": budget,
            "evaluation_timeframe": rng.choice(TIMEFRAMES),
            "purchase_trigger_id": rng.choice(triggers).id if triggers and quality > 0.35 else False,
            "company_size": rng.choice(COMPANY_SIZES),
            "industry_id": rng.choice(industries).id if industries else False,
            "partner_name": company,
            "contact_name": contact,
            "email_from": email,
            "phone": "+1 555 %04d" % rng.randint(0, 9999),
            "country_id": country.id if country else False,
            "team_id": team.id,
            "user_id": user.id,
            "campaign_id": ref(f"{module}.{campaign_key}").id if campaign_key else False,
            "source_id": ref(source).id,
            "medium_id": ref(medium).id,
            "expected_revenue": revenue,
            "priority": str(min(3, int(quality * 4))),
        }
        if campaign_key == "campaign_partner" and resellers:
            vals["description"] = "Referred by channel partner %s" % rng.choice(resellers).name
        vals_list.append(vals)
        created = now - timedelta(days=age_days, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
        plans.append({
            "created": created,
            # Never in the future: a lead created an hour ago was not assigned tomorrow.
            "opened": min(created + timedelta(hours=rng.randint(1, 72)), now) if user else None,
            "converted": min(created + timedelta(days=rng.randint(1, 15)), now) if converted else None,
            "closed": None,
            "outcome": outcome,
            "quality": quality,
            "converted_stage": stages[min(len(stages) - 1, int(quality * len(stages)))] if converted else None,
        })

    leads = Lead.create(vals_list)
    env["ir.model.data"].create([{
        "module": module,
        "name": "demo_lead_%04d" % index,
        "model": "crm.lead",
        "res_id": lead.id,
        "noupdate": True,
    } for index, lead in enumerate(leads)])

    # The hand-off: marketing hands qualified leads to sales; reps accept
    # most, send some back to nurture with a reason, and a few still wait.
    handoff, accept, reject, converted = [], [], [], defaultdict(list)
    for lead, plan in zip(leads, plans):
        if plan["converted_stage"]:
            converted[plan["converted_stage"]].append(lead.id)
        if lead.lifecycle_stage != "lead" or not lead.user_id:
            continue
        if plan["converted_stage"]:
            handoff.append(lead.id)
            accept.append(lead.id)
        elif plan["quality"] > 0.45:
            handoff.append(lead.id)
            roll = rng.random()
            if roll < 0.6:
                accept.append(lead.id)
            elif roll < 0.85:
                reject.append(lead.id)
    leads.browse(handoff).action_handoff_to_sales()
    leads.browse(accept).action_accept_handoff()
    for reason in lost_reasons:
        chunk = [lead_id for index, lead_id in enumerate(reject) if lost_reasons[index % len(lost_reasons)] == reason]
        if chunk:
            leads.browse(chunk).action_reject_handoff(reason.id)
    # Conversion to opportunities (lifecycle SQL), one write per pipeline stage.
    for stage, lead_ids in converted.items():
        leads.browse(lead_ids).write({"type": "opportunity", "stage_id": stage.id})

    # Outcomes through Odoo's own won/lost flows, grouped so each is one call.
    won = leads.browse([lead.id for lead, plan in zip(leads, plans) if plan["outcome"] == "won"])
    won.action_set_won()
    lost_by_reason = {}
    for lead, plan in zip(leads, plans):
        if plan["outcome"] == "lost" and lost_reasons:
            lost_by_reason.setdefault(rng.choice(lost_reasons).id, []).append(lead.id)
    for reason_id, lead_ids in lost_by_reason.items():
        leads.browse(lead_ids).action_set_lost(lost_reason_id=reason_id)

    # Activities: done ones (history) for most assigned leads, planned ones
    # for about two open leads out of three, so "leads without tasks" exist.
    activity_types = {xmlid: ref(xmlid) for xmlid in ACTIVITY_NOTES}
    lead_model_id = env["ir.model"]._get_id("crm.lead")
    done_vals, done_dates, planned_vals = [], [], []
    today = fields.Date.context_today(Lead)
    for lead, plan in zip(leads, plans):
        if not lead.user_id:
            continue
        start = plan["opened"] or plan["created"]
        end = now if plan["outcome"] == "open" else start + timedelta(days=rng.randint(20, 60))
        end = min(end, now)
        if plan["outcome"] != "open":
            plan["closed"] = end
        for index in range(rng.randint(1, 3) if rng.random() < 0.85 else 0):
            xmlid = rng.choice(list(ACTIVITY_NOTES))
            # Most reps touch a new lead within hours (a working day at worst);
            # later activities spread over the lead's life.
            done_at = start + (timedelta(hours=rng.uniform(0.2, 1.2) * rng.choice([1, 1, 1, 2, 6]))
                               if index == 0 else (end - start) * rng.random())
            done_at = min(done_at, end)
            done_vals.append({
                "res_model_id": lead_model_id,
                "res_id": lead.id,
                "activity_type_id": activity_types[xmlid].id,
                "summary": rng.choice(ACTIVITY_NOTES[xmlid]),
                "user_id": lead.user_id.id,
                "date_deadline": done_at.date(),
            })
            done_dates.append(done_at)
        if plan["outcome"] == "open" and rng.random() < 0.65:
            xmlid = rng.choice(list(ACTIVITY_NOTES))
            planned_vals.append({
                "res_model_id": lead_model_id,
                "res_id": lead.id,
                "activity_type_id": activity_types[xmlid].id,
                "summary": rng.choice(ACTIVITY_NOTES[xmlid]),
                "user_id": lead.user_id.id,
                "date_deadline": today + timedelta(days=rng.randint(-6, 12)),
            })
    # Salespeople follow their leads, as when assigned by hand (and mail's
    # batch activity create would subscribe them twice on the same lead).
    for user in leads.user_id:
        leads.filtered(lambda lead, user=user: lead.user_id == user).message_subscribe(
            partner_ids=user.partner_id.ids)
    Activity = env["mail.activity"].with_context(mail_activity_quick_update=True, mail_notrack=True)
    Activity.create(planned_vals)
    done = Activity.create(done_vals)
    done_messages, _next = done._action_done()

    # Some of those follow-ups were one click on a shared quick action.
    quick_actions = {
        summary: ref(f"{module}.{xmlid}") for summary, xmlid in QUICK_ACTION_NOTES.items()
    }
    env["crm.quick.action.usage"].create([{
        "quick_action_id": quick_actions[vals["summary"]].id,
        "lead_id": vals["res_id"],
        "user_id": vals["user_id"],
        "team_id": leads.browse(vals["res_id"]).team_id.id,
        "company_id": leads.browse(vals["res_id"]).company_id.id,
        "date": done_at,
    } for vals, done_at in zip(done_vals, done_dates) if vals["summary"] in quick_actions])

    _tag_calls_and_share_content(env, leads, plans, done_vals, done_dates)

    # Back-date the history in three set-based statements: the ORM stamps
    # "now" on create/won/lost and on done activities, and dashboards need
    # the past twelve months. create_date and the done dates are not
    # writable through the ORM.
    env.flush_all()
    rows = [
        (lead.id, plan["created"], plan["opened"], plan["converted"], plan["closed"])
        for lead, plan in zip(leads, plans)
    ]
    env.cr.execute(
        """
        UPDATE crm_lead AS l
           SET create_date = v.created,
               date_open = v.opened,
               date_conversion = v.converted,
               date_closed = v.closed,
               date_last_stage_update = COALESCE(v.closed, v.converted, v.created),
               day_open = CASE WHEN v.opened IS NULL THEN NULL
                               ELSE ABS(EXTRACT(DAY FROM v.opened - v.created)) END,
               day_close = CASE WHEN v.closed IS NULL THEN NULL
                                ELSE ABS(EXTRACT(DAY FROM v.closed - v.created)) END
          FROM (VALUES %s) AS v(id, created, opened, converted, closed)
         WHERE l.id = v.id
        """ % ",".join(["(%s, %s::timestamp, %s::timestamp, %s::timestamp, %s::timestamp)"] * len(rows)),
        [value for row in rows for value in row],
    )
    # _action_done posts one message per activity, in the activities' order.
    message_rows = list(zip(done_messages.ids, done_dates))
    if message_rows:
        env.cr.execute(
            "UPDATE mail_message AS m SET date = v.done_at, create_date = v.done_at "
            "FROM (VALUES %s) AS v(id, done_at) WHERE m.id = v.id"
            % ",".join(["(%s, %s::timestamp)"] * len(message_rows)),
            [value for row in message_rows for value in row],
        )
    # Lifecycle history: first row at creation, later moves spread until the
    # lead closed (or a month after creation), in order.
    env.cr.execute(
        """
        WITH h AS (
            SELECT h.id, l.create_date AS start,
                   COALESCE(l.date_closed, LEAST(l.create_date + INTERVAL '30 days', %s)) AS stop,
                   ROW_NUMBER() OVER (PARTITION BY h.lead_id ORDER BY h.id) - 1 AS k,
                   COUNT(*) OVER (PARTITION BY h.lead_id) AS n
              FROM crm_lead_lifecycle_history AS h
              JOIN crm_lead AS l ON l.id = h.lead_id
             WHERE l.id IN %s
        )
        UPDATE crm_lead_lifecycle_history AS t
           SET date = h.start + (h.stop - h.start) * h.k / GREATEST(h.n - 1, 1)
          FROM h WHERE t.id = h.id
        """,
        [now, tuple(leads.ids)],
    )
    # Sales answers most hand-offs within a working day or two.
    env.cr.execute(
        """
        UPDATE crm_lead_lifecycle_history AS h
           SET date = LEAST(h.date, m.date + (h.lead_id %% 60) * INTERVAL '1 hour')
          FROM crm_lead_lifecycle_history AS m
         WHERE m.lead_id = h.lead_id AND m.to_stage = 'mql' AND h.from_stage = 'mql' AND h.lead_id IN %s
        """,
        [tuple(leads.ids)],
    )
    env.cr.execute(
        """
        UPDATE crm_lead AS l
           SET date_handoff = (SELECT MAX(date) FROM crm_lead_lifecycle_history
                                WHERE lead_id = l.id AND to_stage = 'mql'),
               date_accepted = (SELECT MAX(date) FROM crm_lead_lifecycle_history
                                 WHERE lead_id = l.id AND to_stage = 'sal')
         WHERE l.id IN %s AND l.date_handoff IS NOT NULL
        """,
        [tuple(leads.ids)],
    )
    _demo_touchpoints(env, leads)
    # SLA facts from the back-dated history: first touch is the first done
    # activity, feedback the move out of MQL; then the ORM recomputes the
    # deadlines and statuses (they were computed on "now" dates).
    env.cr.execute(
        """
        UPDATE crm_lead AS l
           SET date_first_touch = (SELECT MIN(m.date) FROM mail_message AS m
                                    WHERE m.model = 'crm.lead' AND m.res_id = l.id
                                      AND m.mail_activity_type_id IS NOT NULL AND m.date >= l.date_open),
               date_feedback = (SELECT MIN(h.date) FROM crm_lead_lifecycle_history AS h
                                 WHERE h.lead_id = l.id AND h.from_stage = 'mql')
         WHERE l.id IN %s
        """,
        [tuple(leads.ids)],
    )
    env.invalidate_all()
    Lead = env["crm.lead"]
    for fname in ("sla_first_touch_deadline", "sla_feedback_deadline", "sla_status"):
        env.add_to_compute(Lead._fields[fname], leads)
    leads.flush_recordset()

    _start_scoring_and_routing(env, rng, countries)
    _start_nurturing(env)
    _demo_backtest(env)


def _demo_backtest(env):
    """A draft beside the live scoring, back-tested on the year of history:
    a formal budget weighs more, a campaign response less, and sales-ready
    moves to 55. The draft is not published: the live rules keep scoring."""
    module = "sales_marketing_alignment"
    Ruleset = env["crm.scoring.ruleset"]
    draft = Ruleset.browse(Ruleset.action_create_draft()["res_id"])
    draft.write({"name": "Budget first (draft)", "mql_threshold": 55})
    new_points = {"Formal budget": 30, "Responded to a campaign": 5}
    for rule in draft.rule_ids.filtered(lambda rule: rule.name in new_points):
        rule.points = new_points[rule.name]
    backtest = env["crm.scoring.backtest"].browse(draft.action_run_backtest()["res_id"])
    env["ir.model.data"].create([
        {"module": module, "name": "demo_scoring_draft", "model": draft._name, "res_id": draft.id,
         "noupdate": True},
        {"module": module, "name": "demo_scoring_backtest", "model": backtest._name, "res_id": backtest.id,
         "noupdate": True},
    ])


def _start_nurturing(env):
    """The demo nurture track at work: the job enrolls the nurtured leads and
    sends its first step; a third of the prospects opened their item. The
    demo's mails (to example.com addresses) are taken out of the queue: no
    demo database mails anyone."""
    track = env.ref("sales_marketing_alignment.nurture_track_timeframe", raise_if_not_found=False)
    if not track:
        return
    Enrollment = env["crm.nurture.enrollment"]
    Enrollment._run_job(tracks=track)
    sends = env["crm.nurture.send"].search([("track_id", "=", track.id)], order="id")
    sends.mail_id.unlink()
    rng = random.Random(SEED + 14)
    opened = sends.filtered(lambda send: send.share_id and rng.random() < 0.34)
    opened.share_id._record_access()


# Fresh inbound leads, created once the rules are on: scored, handed off and
# routed as they arrive (sales-ready ones to a team, the rest to nurture).
INBOUND = [
    ("Helix Robotics: Demo request", "decision_maker", "formal", "under_1_month", "DE", "campaign_webinar"),
    ("Pinecrest Foods: Pricing question", "budget_holder", "formal", "1_3_months", "US", "campaign_linkedin_abm"),
    ("Aurora Clinics: Product inquiry", "evaluator", "informal", "6_12_months", "FR", "campaign_search_ads"),
    ("Sakura Logistics: Evaluation", "decision_maker", "formal", "1_3_months", "JP", "campaign_trade_show"),
    ("Maple Analytics: Needs a quote", "decision_maker", "informal", "under_1_month", "CA", "campaign_partner"),
    ("Tidewater Media: Newsletter reply", "end_user", "none", "over_12_months", "NL", "campaign_newsletter"),
]


def _demo_touchpoints(env, leads):
    """Multi-touch journeys for the report: each lead's first touchpoint (made
    by its create) moves to its creation date; two leads in three get a
    second touch from another campaign halfway to their close (or to a month
    later), one in two a third at four fifths. Set-based: one statement each."""
    module = "sales_marketing_alignment"
    campaigns = [
        (env.ref(f"{module}.{key}").id, env.ref(source).id, env.ref(medium).id)
        for key, (_weight, source, medium, _bias, _size) in CAMPAIGNS.items() if key
    ]
    env.flush_all()
    env.cr.execute("""
        UPDATE crm_touchpoint AS t SET date = l.create_date, origin = 'web_form'
          FROM crm_lead AS l WHERE l.id = t.lead_id AND l.id IN %s
    """, [tuple(leads.ids)])
    values = SQL(", ").join(SQL("(%s, %s, %s, %s)", *row, seq) for seq, row in enumerate(campaigns))
    for share, modulo, offset in ((0.5, 3, 1), (0.8, 2, 3)):
        touch_date = SQL(
            "l.create_date + (COALESCE(l.date_closed, l.create_date + INTERVAL '30 days') - l.create_date) * %s",
            share)
        env.cr.execute(SQL("""
            INSERT INTO crm_touchpoint
                   (lead_id, partner_id, campaign_id, source_id, medium_id, origin, date, user_id,
                    inquiry_lead_id, company_id, create_uid, create_date, write_uid, write_date)
            SELECT l.id, l.partner_id, c.campaign_id, c.source_id, c.medium_id,
                   CASE WHEN c.medium_id = %(email)s THEN 'mailing'
                        WHEN c.source_id = %(trade_show)s THEN 'event' ELSE 'web_form' END,
                   %(touch_date)s, %(uid)s, l.id, l.company_id,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM crm_lead AS l
              JOIN (VALUES %(values)s) AS c(campaign_id, source_id, medium_id, seq)
                ON c.seq = MOD(l.id + %(offset)s, %(count)s)
             WHERE l.id IN %(ids)s AND MOD(l.id, %(modulo)s) <> 0
               AND %(touch_date)s <= NOW() AT TIME ZONE 'UTC'
        """, touch_date=touch_date, uid=env.uid, values=values, offset=offset, count=len(campaigns),
            ids=tuple(leads.ids), modulo=modulo, email=env.ref("utm.utm_medium_email").id,
            trade_show=env.ref(f"{module}.utm_source_trade_show").id))
    env.invalidate_all()
    Lead = env["crm.lead"]
    for fname in ("first_touch_campaign_id", "last_touch_campaign_id"):
        env.add_to_compute(Lead._fields[fname], leads)
    leads.flush_recordset()


def _start_scoring_and_routing(env, rng, countries):
    """Turn the demo rules on, score every lead (without rerouting the
    history: its assignments are the past), then let a few new leads come in."""
    module = "sales_marketing_alignment"
    # The history's own pass through the pipeline (the lead definition), done
    # now, while no scoring or routing rule is active: its assignments are the past.
    env["crm.lead"]._pipeline_flush()
    rules = env["crm.scoring.rule"].with_context(active_test=False).search(
        [("id", "in", [env.ref(f"{module}.scoring_rule_{key}").id for key in (
            "decision_maker", "formal_budget", "buying_soon", "mid_size", "no_budget", "campaign", "trigger")])])
    routing = env["crm.routing.rule"].with_context(active_test=False).search(
        [("id", "in", [env.ref(f"{module}.routing_rule_{key}").id for key in (
            "partner", "europe", "north_america", "asia_pacific", "nurture")])])
    rules.write({"active": True})
    routing.write({"active": True})
    # The generated history and CRM's own demo leads.
    Scoring = env["crm.scoring.rule"]
    history = env["crm.lead"].with_context(active_test=False, mail_notrack=True).search([])
    Scoring._score(history)
    # Engagement decays from when the lead came in, not from today.
    env.flush_all()
    env.cr.execute("""
        UPDATE crm_lead_score_line AS s SET date_matched = l.create_date
          FROM crm_lead AS l WHERE l.id = s.lead_id AND s.lead_id IN %s
    """, [tuple(history.ids)])
    env.invalidate_all()
    Scoring._score(history)
    triggers = env["crm.purchase.trigger"].search([])
    inbound = env["crm.lead"].create([{
        "name": name, "type": "lead", "user_id": False, "buying_role": role, "budget_status": budget,
        "evaluation_timeframe": timeframe, "country_id": countries[code].id if code in countries else False,
        "campaign_id": env.ref(f"{module}.{campaign}").id,
        "source_id": env.ref(CAMPAIGNS[campaign][1]).id,
        "medium_id": env.ref(CAMPAIGNS[campaign][2]).id,
        "company_size": rng.choice(COMPANY_SIZES),
        "purchase_trigger_id": triggers[index % len(triggers)].id if triggers and budget == "formal" else False,
        "partner_name": name.split(":")[0], "email_from": "info@%s.example.com" % name.split(":")[0].split()[0].lower(),
        "expected_revenue": 12000 + 4000 * index,
    } for index, (name, role, budget, timeframe, code, campaign) in enumerate(INBOUND)])
    env["ir.model.data"].create([{
        "module": module, "name": "demo_inbound_lead_%02d" % index, "model": "crm.lead",
        "res_id": lead.id, "noupdate": True,
    } for index, lead in enumerate(inbound)])


# Key messages: (xmlid, weight, chance to resonate on a deal later won / lost)
DEMO_MESSAGES = [
    ("message_close_faster", 5, 0.75, 0.35),
    ("message_one_view", 3, 0.55, 0.45),
    ("message_cost", 3, 0.45, 0.20),
    ("message_manufacturing", 1, 0.60, 0.50),
]
# Objections customers raise, most often first.
DEMO_OBJECTIONS = [("price", 5), ("timing", 3), ("competitor", 3), ("no_need", 2), ("authority", 2), ("other", 1)]
# Content reps share: (xmlid, weight, share chance on a deal later won / lost or open);
# the feature list is never shared, so it shows in "Unused Content".
DEMO_CONTENT = [
    ("content_close_benchmark", 4, 0.35, 0.30),
    ("content_cedar_case", 3, 0.45, 0.15),
    ("content_roi_deck", 2, 0.30, 0.15),
    ("content_demo_video", 3, 0.30, 0.25),
]


def _tag_calls_and_share_content(env, leads, plans, done_vals, done_dates):
    """Key messages tagged on the done calls and meetings, content shared on
    opportunities and opened by their contacts: one create per model. A seed
    of its own, so the rest of the demo history does not change with it."""
    module = "sales_marketing_alignment"
    rng = random.Random(SEED + 13)
    ref = env.ref
    plan_by_lead = {lead.id: plan for lead, plan in zip(leads, plans)}
    talk_types = {ref("mail.mail_activity_data_call").id, ref("mail.mail_activity_data_meeting").id}
    messages = [(ref(f"{module}.{xmlid}"), weight, won, lost) for xmlid, weight, won, lost in DEMO_MESSAGES]
    objections = [key for key, _weight in DEMO_OBJECTIONS]
    objection_weights = [weight for _key, weight in DEMO_OBJECTIONS]
    use_vals = []
    for vals, done_at in zip(done_vals, done_dates):
        if vals["activity_type_id"] not in talk_types or rng.random() > 0.7:
            continue
        outcome = plan_by_lead[vals["res_id"]]["outcome"]
        picked = set()
        for _index in range(rng.choice([1, 1, 2])):
            message, _weight, won, lost = rng.choices(messages, weights=[m[1] for m in messages])[0]
            if message in picked:
                continue
            picked.add(message)
            resonate = {"won": won, "lost": lost}.get(outcome, (won + lost) / 2)
            roll = rng.random()
            reaction = "resonated" if roll < resonate else ("neutral" if roll < resonate + 0.3 else "objection")
            use_vals.append({
                "lead_id": vals["res_id"],
                "message_id": message.id,
                "activity_type_id": vals["activity_type_id"],
                "reaction": reaction,
                "objection": rng.choices(objections, weights=objection_weights)[0] if reaction == "objection" else False,
                "user_id": vals["user_id"],
                "date": done_at,
            })
    env["crm.message.use"].create(use_vals)

    # Content: shared on opportunities (to a contact created for the demo,
    # removed with the demo data), opened by two recipients out of three.
    contents = [(ref(f"{module}.{xmlid}"), weight, won, other) for xmlid, weight, won, other in DEMO_CONTENT]
    share_plans = []
    for lead, plan in zip(leads, plans):
        if not plan["converted"] or not lead.user_id:
            continue
        content, _weight, won, other = rng.choices(contents, weights=[c[1] for c in contents])[0]
        if rng.random() < (won if plan["outcome"] == "won" else other):
            shared_at = min(plan["converted"] + timedelta(days=rng.randint(0, 10)), fields.Datetime.now())
            share_plans.append((lead, content, shared_at))
    partners = env["res.partner"].create([{
        "name": lead.contact_name or lead.partner_name or lead.name,
        "email": lead.email_from,
    } for lead, _content, _date in share_plans])
    env["ir.model.data"].create([{
        "module": module, "name": "demo_contact_%04d" % index, "model": "res.partner",
        "res_id": partner.id, "noupdate": True,
    } for index, partner in enumerate(partners)])
    shares = env["crm.content.share"].create([{
        "content_id": content.id, "lead_id": lead.id, "partner_id": partner.id,
        "user_id": lead.user_id.id, "date": shared_at,
    } for (lead, content, shared_at), partner in zip(share_plans, partners)])
    env["crm.content.access"].create([{
        "content_id": share.content_id.id, "lead_id": share.lead_id.id, "partner_id": share.partner_id.id,
        "share_id": share.id, "origin": "rep_share",
        "date": min(share.date + timedelta(hours=rng.randint(1, 72)), fields.Datetime.now()),
    } for share in shares if rng.random() < 0.66])
