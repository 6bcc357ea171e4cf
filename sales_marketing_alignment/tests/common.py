# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import TransactionCase
from odoo.tools import SQL

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools.constants import ROUTING_PARAM

# The models whose active records configure the engines (lead definition, scoring, routing).
RULE_MODELS = ("crm.lead.definition.criterion", "crm.scoring.rule", "crm.routing.rule")


def crm_lead_scans(env, query):
    """How many times PostgreSQL's plan of ``query`` (SQL) reads crm_lead."""
    env.cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query))

    def scans(node):
        own = 1 if node.get("Relation Name") == "crm_lead" else 0
        return own + sum(scans(child) for child in node.get("Plans", []))

    return scans(env.cr.fetchone()[0][0]["Plan"])


def archive_alignment_rules(env):
    """For tests that commit (several real cursors): archive every criterion
    and rule the database holds (demo data), so only the test's own rules
    run; returns what restore_alignment_rules() puts back at clean-up."""
    archived = {}
    for model in RULE_MODELS:
        records = env[model].search([])
        records.active = False
        archived[model] = records.ids
    return archived


def restore_alignment_rules(env, archived):
    """Undo archive_alignment_rules() (records deleted meanwhile are skipped)."""
    for model, ids in archived.items():
        env[model].browse(ids).exists().active = True


def reset_alignment_configuration(env, companies=None, routing=True, archive_leads=True):
    """Put the companies in the state of a fresh install, whatever the
    database holds (demo data configures a lead definition, scoring and
    routing rules, thresholds and SLAs): no criterion, no rule, default
    threshold and cut-offs, alignment routing on (or off, for Odoo's own
    assignment). Tests then configure only what they rely on."""
    companies = companies or env["res.company"].search([])
    for model in RULE_MODELS:
        records = env[model].search([("company_id", "in", companies.ids)])
        if records:
            records.write({"active": False})
    companies.write({
        "mql_threshold": 50, "score_grade_a": 80, "score_grade_b": 50, "score_grade_c": 20,
        "sla_first_touch_hours": 4.0, "sla_feedback_days": 2.0,
    })
    env["ir.config_parameter"].set_param(ROUTING_PARAM, str(routing))
    env["ir.config_parameter"].set_param("crm.lead.auto.assignment", False)
    env.registry.clear_cache()
    if archive_leads:
        # The leads the database already holds (demo data) are set aside, in
        # the test's transaction: the pipeline job, reports and counts of a
        # test see the test's own leads only. Set-based SQL for thousands of
        # demo leads (the ORM would write them one by one).
        env.flush_all()
        env.cr.execute(SQL("""
            UPDATE crm_lead
               SET active = FALSE, date_scored = COALESCE(date_scored, %(now)s),
                   routing_state = CASE WHEN routing_state = 'queued' THEN 'unmatched' ELSE routing_state END
        """, now=fields.Datetime.now()))
        env.invalidate_all()


class AlignmentCommon(TransactionCase):
    """A company with no alignment configuration, users per role, a team and
    a campaign, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        reset_alignment_configuration(cls.env)
        cls.user_rep = mail_new_test_user(
            cls.env, login="sma_rep", name="Rita Rep", email="rep@example.com",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.user_rep_other = mail_new_test_user(
            cls.env, login="sma_rep2", name="Omar Other", email="rep2@example.com",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.user_sales_manager = mail_new_test_user(
            cls.env, login="sma_salesmgr", name="Sam Salesmanager", email="salesmgr@example.com",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.user_marketing = mail_new_test_user(
            cls.env, login="sma_marketing", name="Mona Marketing", email="mkt@example.com",
            groups="base.group_user,sales_marketing_alignment.group_alignment_marketing",
        )
        cls.user_alignment_manager = mail_new_test_user(
            cls.env, login="sma_manager", name="Alex Alignment", email="align@example.com",
            groups="base.group_user,sales_marketing_alignment.group_alignment_manager",
        )
        cls.team = cls.env["crm.team"].create({
            "name": "Alignment Test Team",
            "user_id": cls.user_sales_manager.id,
            "member_ids": [(6, 0, [cls.user_rep.id, cls.user_rep_other.id])],
        })
        cls.campaign = cls.env["utm.campaign"].create({"title": "Test Webinar", "cost": 1000.0})

    def run_pipeline_job(self):
        """One run of the pipeline job (rule, cut-off and definition changes)."""
        self.env["crm.scoring.rule"]._cron_score_leads()

    def flush_pipeline(self):
        """End of the transaction's work, as at commit: the leads created or
        written go through the pipeline (definition, score, hand-off, route)."""
        self.env.flush_all()
        self.env.cr.flush()
