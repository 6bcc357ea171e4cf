# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Domains typed by business people in Odoo's domain editor."""

from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import safe_eval as safe_eval_tools
from odoo.tools.safe_eval import safe_eval


def domain_eval_context(env):
    """What a domain may use, as in Odoo's own automation rules and filters."""
    return {
        "uid": env.uid,
        "user": env.user,
        "time": safe_eval_tools.time,
        "datetime": safe_eval_tools.datetime,
        "dateutil": safe_eval_tools.dateutil,
        "relativedelta": safe_eval_tools.dateutil.relativedelta.relativedelta,
        "context_today": safe_eval_tools.datetime.date.today,
    }


def eval_domain(domain_str, env):
    """Evaluate a domain string into a normalized domain list."""
    domain = safe_eval(domain_str or "[]", domain_eval_context(env))
    if not isinstance(domain, (list, tuple)):
        raise ValueError("a domain is a list of conditions, got %r" % (domain,))
    return expression.normalize_domain(list(domain)) if domain else []


def domain_field_names(domain):
    """First-level field names a domain reads (``partner_id.country_id`` -> ``partner_id``)."""
    return {
        leaf[0].split(".", 1)[0]
        for leaf in domain
        if isinstance(leaf, (list, tuple)) and len(leaf) == 3 and isinstance(leaf[0], str)
    }


def check_lead_domain(env, domain_str, name, allow_empty=True, model="crm.lead"):
    """Raise a ValidationError in the user's words unless ``domain_str`` is a
    domain that applies to ``model``; returns the evaluated domain."""
    try:
        domain = eval_domain(domain_str, env)
    except Exception as error:  # noqa: BLE001 - any parse error is a user mistake
        raise ValidationError(env._(
            "The condition of \"%(name)s\" is not a valid domain: %(error)s", name=name, error=error,
        )) from error
    if not domain and not allow_empty:
        raise ValidationError(env._(
            "\"%(name)s\" has an empty condition, which every lead meets. "
            "Choose at least one rule on a lead field.", name=name,
        ))
    try:
        # Builds the SQL query without running it: unknown fields, bad
        # operators and malformed leaves raise here.
        env[model].sudo()._search(domain)
    except Exception as error:  # noqa: BLE001
        raise ValidationError(env._(
            "The condition of \"%(name)s\" does not apply to leads: %(error)s", name=name, error=error,
        )) from error
    return domain
