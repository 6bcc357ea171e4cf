# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import AlignmentCommon

BUDGET_KNOWN = "[('budget_status', 'in', ['formal', 'informal'])]"
ROLE_KNOWN = "[('buying_role', '!=', 'unknown')]"
SHORT_TIMEFRAME = "[('evaluation_timeframe', 'in', ['under_1_month', '1_3_months'])]"
TRIGGER_KNOWN = "[('purchase_trigger_id', '!=', False)]"


@tagged("post_install", "-at_install", "sma_definition")
class TestLeadDefinition(AlignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Criterion = cls.env["crm.lead.definition.criterion"]
        cls.trigger = cls.env.ref("sales_marketing_alignment.purchase_trigger_replacement")

    def _criteria(self):
        return self.Criterion.create([
            {"name": "Budget known", "domain": BUDGET_KNOWN, "requirement": "must"},
            {"name": "Role known", "domain": ROLE_KNOWN, "requirement": "must"},
            {"name": "Short time frame", "domain": SHORT_TIMEFRAME, "requirement": "nice"},
            {"name": "Trigger known", "domain": TRIGGER_KNOWN, "requirement": "nice"},
        ])

    def _lead(self, **vals):
        lead = self.env["crm.lead"].create(dict({
            "name": "Prospect", "type": "lead", "team_id": self.team.id, "user_id": self.user_rep.id,
        }, **vals))
        self.flush_pipeline()
        return lead

    # ------------------------------------------------------------
    # Profile fields
    # ------------------------------------------------------------

    def test_profile_fields(self):
        lead = self._lead()
        self.assertEqual(
            (lead.buying_role, lead.budget_status, lead.evaluation_timeframe, lead.company_size),
            ("unknown", "unknown", "unknown", "unknown"),
        )
        Lead = self.env["crm.lead"]
        self.assertEqual(
            [key for key, _label in Lead._fields["budget_status"].selection],
            ["formal", "informal", "none", "unknown"],
        )
        self.assertEqual(
            [key for key, _label in Lead._fields["buying_role"].selection],
            ["decision_maker", "budget_holder", "influencer", "evaluator", "end_user", "unknown"],
        )
        self.assertEqual(len(Lead._fields["evaluation_timeframe"].selection), 6)
        self.assertGreaterEqual(self.env["crm.purchase.trigger"].search_count([]), 5)
        # A rep qualifies their own lead.
        lead.with_user(self.user_rep).write({
            "buying_role": "budget_holder", "budget_status": "formal",
            "evaluation_timeframe": "1_3_months", "purchase_trigger_id": self.trigger.id,
            "company_size": "51_200",
        })
        self.assertEqual(lead.purchase_trigger_id, self.trigger)

    def test_industry_follows_partner(self):
        industry = self.env["res.partner.industry"].create({"name": "Shipbuilding"})
        partner = self.env["res.partner"].create({"name": "Yard Ltd", "is_company": True, "industry_id": industry.id})
        lead = self._lead(partner_id=partner.id)
        self.assertEqual(lead.industry_id, industry)
        other = self.env["res.partner.industry"].create({"name": "Fishing"})
        lead.industry_id = other  # editable by hand
        self.assertEqual(lead.industry_id, other)

    # ------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------

    def test_no_definition_everything_is_a_lead(self):
        lead = self._lead()
        self.assertTrue(lead.meets_definition)
        self.assertEqual(lead.definition_completeness, 100.0)
        self.assertEqual(lead.lifecycle_stage, "lead")

    def test_must_and_nice_counts(self):
        budget, role, timeframe, trigger = self._criteria()
        empty = self._lead()
        partial = self._lead(budget_status="formal", evaluation_timeframe="1_3_months")
        full = self._lead(budget_status="informal", buying_role="evaluator", purchase_trigger_id=self.trigger.id)
        leads = empty | partial | full
        self.assertEqual(leads.mapped("definition_must_count"), [2, 2, 2])
        self.assertEqual(leads.mapped("definition_must_met"), [0, 1, 2])
        self.assertEqual(leads.mapped("definition_nice_count"), [2, 2, 2])
        self.assertEqual(leads.mapped("definition_nice_met"), [0, 1, 1])
        self.assertEqual(leads.mapped("meets_definition"), [False, False, True])
        self.assertEqual(leads.mapped("definition_completeness"), [0.0, 50.0, 75.0])
        self.assertEqual(empty.definition_missing_ids, budget | role | timeframe | trigger)
        self.assertEqual(partial.definition_missing_ids, role | trigger)
        self.assertEqual(full.definition_missing_ids, timeframe)
        self.assertEqual(full.definition_summary, "Must-have 2 of 2, nice-to-have 1 of 2")
        self.assertEqual(leads.mapped("lifecycle_stage"), ["inquiry", "inquiry", "lead"])
        # Filters: "Meets definition" and "Missing must-haves".
        Lead = self.env["crm.lead"]
        self.assertEqual(Lead.search([("id", "in", leads.ids), ("meets_definition", "=", True)]), full)
        self.assertEqual(Lead.search([("id", "in", leads.ids), ("meets_definition", "=", False)]), empty | partial)
        self.assertEqual(Lead.search([("id", "in", leads.ids), ("meets_definition", "!=", True)]), empty | partial)

    def test_archived_criterion_ignored(self):
        budget, role, _timeframe, _trigger = self._criteria()
        lead = self._lead(budget_status="formal")
        self.assertEqual(lead.lifecycle_stage, "inquiry")
        role.active = False
        self.assertEqual(lead.definition_must_count, 1, "the form shows the new definition at once")
        self.assertEqual(lead.lifecycle_stage, "inquiry", "stages follow through the versioned job")
        self.run_pipeline_job()
        self.assertEqual(lead.lifecycle_stage, "lead", "archiving a must-have re-evaluates open leads")
        role.active = True
        self.run_pipeline_job()
        self.assertEqual(lead.lifecycle_stage, "inquiry")
        budget.requirement = "nice"
        role.requirement = "nice"
        self.run_pipeline_job()
        self.assertEqual(lead.lifecycle_stage, "lead")

    def test_cached_definition_ignores_archived_criteria_in_any_context(self):
        """The pipeline job runs with active_test off: the cached definition it
        fills must still hold the active criteria only."""
        budget, role, _timeframe, _trigger = self._criteria()
        role.active = False
        self.env.registry.clear_cache()
        rows, must_fields = self.Criterion.with_context(active_test=False)._get_definition(self.env.company.id)
        self.assertNotIn(role.id, [row[0] for row in rows])
        self.assertEqual(must_fields, {"budget_status"})
        lead = self._lead(budget_status="formal")
        self.assertEqual(lead.lifecycle_stage, "lead")

    def test_properties_criterion(self):
        self.team.lead_properties_definition = [
            {"name": "budget_approved", "string": "Budget approved", "type": "boolean"},
        ]
        self.Criterion.create({
            "name": "Budget approved (property)", "requirement": "must",
            "domain": "[('lead_properties.budget_approved', '=', True)]",
        })
        approved = self._lead(lead_properties={"budget_approved": True})
        not_approved = self._lead(lead_properties={"budget_approved": False})
        self.assertTrue(approved.meets_definition)
        self.assertFalse(not_approved.meets_definition)
        self.assertEqual((approved | not_approved).mapped("lifecycle_stage"), ["lead", "inquiry"])
        not_approved.lead_properties = {"budget_approved": True}
        self.flush_pipeline()
        self.assertEqual(not_approved.lifecycle_stage, "lead")

    def test_related_field_criterion(self):
        belgium = self.env.ref("base.be")
        self.Criterion.create({
            "name": "Based in Belgium", "requirement": "must", "domain": f"[('country_id.code', '=', 'BE')]",
        })
        lead = self._lead()
        self.assertEqual(lead.lifecycle_stage, "inquiry")
        lead.country_id = belgium
        self.flush_pipeline()
        self.assertEqual(lead.lifecycle_stage, "lead")

    def test_form_shows_live_completeness(self):
        self._criteria()
        with Form(self.env["crm.lead"].with_context(default_type="lead")) as form:
            form.name = "Live"
            self.assertFalse(form.meets_definition)
            form.budget_status = "formal"
            form.buying_role = "decision_maker"
            self.assertTrue(form.meets_definition)
            self.assertEqual(form.definition_completeness, 50.0)
        self.assertEqual(form.record.lifecycle_stage, "lead")

    # ------------------------------------------------------------
    # Bad input, rights, companies
    # ------------------------------------------------------------

    def test_invalid_domains_refused(self):
        count = self.Criterion.search_count([])
        cases = {
            "[('budget_status', '=', 'formal'": "not a valid domain",
            "[('no_such_field', '=', 1)]": "does not apply to leads",
            "[('budget_status', 'like_no_op', 'x')]": "does not apply to leads",
            "'budget_status'": "not a valid domain",
            "[]": "empty condition",
        }
        for domain, message in cases.items():
            # assertRaises rolls back to a savepoint, as a request would on error
            with self.subTest(domain=domain), mute_logger("odoo.sql_db"), \
                    self.assertRaises(ValidationError) as error:
                self.Criterion.create({"name": "Broken", "domain": domain})
            self.assertIn(message, str(error.exception))
        self.assertEqual(self.Criterion.search_count([]), count, "nothing half-written")
        criterion = self.Criterion.create({"name": "Budget", "domain": BUDGET_KNOWN})
        with self.assertRaises(ValidationError) as error:
            criterion.domain = "[('budget_state', '=', 'formal')]"
        self.assertIn("does not apply to leads", str(error.exception))
        self.assertIn("budget_state", str(error.exception))
        self.assertEqual(criterion.domain, BUDGET_KNOWN)

    def test_rights(self):
        with self.assertRaises(AccessError):
            self.Criterion.with_user(self.user_rep).create({"name": "Rep", "domain": BUDGET_KNOWN})
        with self.assertRaises(AccessError):
            self.Criterion.with_user(self.user_marketing).create({"name": "Mkt", "domain": BUDGET_KNOWN})
        criterion = self.Criterion.with_user(self.user_alignment_manager).create(
            {"name": "Manager", "domain": BUDGET_KNOWN})
        # Reps read the definition (they see which criteria a lead misses).
        self.assertEqual(criterion.with_user(self.user_rep).name, "Manager")
        with self.assertRaises(AccessError):
            criterion.with_user(self.user_rep).write({"requirement": "nice"})

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.user_alignment_manager.write({"company_ids": [(4, company_b.id)]})
        criterion_b = self.Criterion.with_user(self.user_alignment_manager).with_company(company_b).create(
            {"name": "B only", "domain": BUDGET_KNOWN})
        self.assertEqual(criterion_b.company_id, company_b)
        lead_a = self._lead()
        self.assertEqual(lead_a.company_id, self.env.company)
        self.assertTrue(lead_a.meets_definition, "company B's definition does not apply to company A")
        self.assertEqual(lead_a.lifecycle_stage, "lead")
        lead_b = self.env["crm.lead"].with_company(company_b).create(
            {"name": "B lead", "type": "lead", "company_id": company_b.id})
        self.flush_pipeline()
        self.assertFalse(lead_b.meets_definition)
        self.assertEqual(lead_b.lifecycle_stage, "inquiry")
        self.assertEqual(lead_b.definition_missing_ids, criterion_b)
        # A user of company A only does not see company B's criteria.
        self.assertFalse(self.Criterion.with_user(self.user_rep).search([("id", "=", criterion_b.id)]))

    # ------------------------------------------------------------
    # Performance
    # ------------------------------------------------------------

    def test_definition_query_count(self):
        """Computing the definition costs one query per criterion, whatever the batch size."""
        self._criteria()
        one = self._lead()
        hundred = self.env["crm.lead"].create([
            {"name": f"Bulk {i}", "type": "lead", "team_id": self.team.id} for i in range(100)
        ])
        self.flush_pipeline()
        for leads in (one, hundred):
            leads.invalidate_recordset()
            self.env["crm.lead.definition.criterion"]._get_definition(self.env.company.id)  # warm cache
            leads.mapped("company_id")  # loaded with the records in any list or form
            with self.assertQueryCount(4):  # 4 criteria, 1 query each
                leads.mapped("definition_completeness")
        self.assertEqual(hundred.mapped("lifecycle_stage"), ["inquiry"] * 100)
