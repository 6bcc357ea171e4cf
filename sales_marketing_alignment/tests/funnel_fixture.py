# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Leads with a lifecycle history written by hand, for the funnel plan and
the dashboard: each lead follows a path of stages from a given moment, one
hour per move, and ends in the last stage of its path."""
from datetime import timedelta

from odoo.tools import SQL


def make_funnel_leads(env, specs, team, company=None):
    """``specs``: list of dicts with ``path`` (stages), ``start`` (datetime
    of the first row), optional ``dates`` (one per stage, else one hour per
    move), ``user`` (res.users), ``revenue``, ``name``, ``reason``
    (crm.lost.reason of the last move), ``values`` (crm_lead columns set in
    SQL, as the engine or Odoo would have: date_handoff, sla_status...). A
    lead whose path ends in Customer is a won deal (won stage, 100 %, closed
    at its last move) unless ``values`` says otherwise.
    Returns the leads, in the order of ``specs``."""
    company = company or env.company
    leads = env["crm.lead"].create([{
        "name": spec.get("name") or "Funnel lead %s" % index,
        "type": "lead",
        "team_id": team.id,
        "user_id": spec["user"].id if spec.get("user") else False,
        "company_id": company.id,
        "expected_revenue": spec.get("revenue", 0.0),
    } for index, spec in enumerate(specs)])
    env.flush_all()
    History = env["crm.lead.lifecycle.history"].sudo()
    History.search([("lead_id", "in", leads.ids)]).unlink()
    rows = []
    for lead, spec in zip(leads, specs):
        previous = False
        for step, stage in enumerate(spec["path"]):
            rows.append({
                "lead_id": lead.id, "from_stage": previous, "to_stage": stage,
                "date": spec["dates"][step] if spec.get("dates") else spec["start"] + timedelta(hours=step),
                "company_id": company.id,
                "team_id": team.id, "salesperson_id": lead.user_id.id,
                "reason_id": spec["reason"].id if spec.get("reason") and step == len(spec["path"]) - 1 else False,
            })
            previous = stage
    History.create(rows)
    # The engine's stage, as the history leaves it (engine fields refuse user writes).
    env.flush_all()
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    for lead, spec in zip(leads, specs):
        env.cr.execute(SQL(
            "UPDATE crm_lead SET lifecycle_stage = %s, create_date = %s WHERE id = %s",
            spec["path"][-1], spec["start"], lead.id))
        values = {}
        if spec["path"][-1] == "customer":
            # A customer is a won deal (as the engine keeps it), won when it became one.
            values = {"type": "opportunity", "stage_id": won_stage.id, "probability": 100,
                      "date_closed": spec["dates"][-1] if spec.get("dates")
                      else spec["start"] + timedelta(hours=len(spec["path"]) - 1)}
        values.update(spec.get("values") or {})
        if values:
            env.cr.execute(SQL("UPDATE crm_lead SET %s WHERE id = %s", SQL(", ").join(
                SQL("%s = %s", SQL.identifier(column), value) for column, value in values.items()), lead.id))
    env.invalidate_all()
    return leads


def paths(counts):
    """Paths for leads stopping at each stage: ``{'mql': 3}`` gives three
    leads inquiry -> lead -> mql."""
    order = ["inquiry", "lead", "mql", "sal", "sql", "customer"]
    result = []
    for stage, count in counts.items():
        result += [order[:order.index(stage) + 1]] * count
    return result
