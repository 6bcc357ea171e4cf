# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from .tools.constants import ROUTING_PARAM


def post_init_hook(env):
    """Keep Odoo's rule-based assignment where a company already uses it (the
    alignment routing rules stay off until Settings switch), and generate the
    demo history when the module is installed with demo data."""
    params = env["ir.config_parameter"].sudo()
    if params.get_param("crm.lead.auto.assignment"):
        params.set_param(ROUTING_PARAM, "False")
    if env.ref("sales_marketing_alignment.team_europe", raise_if_not_found=False):
        from .demo.demo_generator import generate_demo_data

        generate_demo_data(env)
        # The demo history is back-dated in SQL: the funnel dates follow it.
        env["crm.lead.lifecycle.history"]._sync_funnel_dates()
