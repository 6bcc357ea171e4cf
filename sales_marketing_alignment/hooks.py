# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def post_init_hook(env):
    """Generate the demo history when the module is installed with demo data."""
    if env.ref("sales_marketing_alignment.team_europe", raise_if_not_found=False):
        from .demo.demo_generator import generate_demo_data

        generate_demo_data(env)
