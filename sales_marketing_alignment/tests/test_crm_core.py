# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Odoo's own crm test suite, re-run post-install with this addon installed.

Odoo runs crm's tests at crm's install, before this addon exists, so they
prove nothing about it. Subclassing them here (``allow_inherited_tests_method``)
runs every crm test again in the full registry, on a database where the addon
is installed but not configured: the addon must break nothing in core CRM.
"""

from odoo.tests import TransactionCase, tagged

from odoo.addons.crm.tests import (
    test_crm_activity,
    test_crm_lead,
    test_crm_lead_assignment,
    test_crm_lead_convert,
    test_crm_lead_convert_mass,
    test_crm_lead_duplicates,
    test_crm_lead_lost,
    test_crm_lead_merge,
    test_crm_lead_multicompany,
    test_crm_lead_notification,
    test_crm_lead_smart_calendar,
    test_crm_pls,
    test_crm_ui,
    test_digest,
    test_performances,
    test_sales_team_ui,
)

from .common import reset_alignment_configuration


class CoreCrmMixin(TransactionCase):
    """Runs a crm test class in a company where the addon is installed but
    not configured, whatever the database holds (demo data configures one).

    Placed last among a test class's bases, it comes right before Odoo's
    TransactionCase in the method order: the configuration is reset as soon
    as the test environment exists, before crm's fixtures are built."""

    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reset_alignment_configuration(cls.env, routing=False, archive_leads=False)
        # The demo turns Odoo's Leads on for every user; crm's own tests run without it.
        cls.env.ref("base.group_user").write({"implied_ids": [(3, cls.env.ref("crm.group_use_lead").id)]})


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmMailActivity(test_crm_activity.TestCrmMailActivity, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmLead(test_crm_lead.TestCRMLead, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadFormTools(test_crm_lead.TestLeadFormTools, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadMailTrackingDuration(test_crm_lead.TestCrmLeadMailTrackingDuration, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadAssign(test_crm_lead_assignment.TestLeadAssign, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvertForm(test_crm_lead_convert.TestLeadConvertForm, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvert(test_crm_lead_convert.TestLeadConvert, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvertBatch(test_crm_lead_convert.TestLeadConvertBatch, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvertMass(test_crm_lead_convert_mass.TestLeadConvertMass, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadDuplicates(test_crm_lead_duplicates.TestCRMLead, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadLost(test_crm_lead_lost.TestLeadConvert, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadMerge(test_crm_lead_merge.TestLeadMerge, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadMultiCompany(test_crm_lead_multicompany.TestCRMLeadMultiCompany, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadNotification(test_crm_lead_notification.NewLeadNotification, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadSmartCalendar(test_crm_lead_smart_calendar.TestCRMLeadSmartCalendar, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCorePLS(test_crm_pls.TestCRMPLS, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmUi(test_crm_ui.TestUi, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmDigest(test_digest.TestCrmDigest, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadAssignPerf(test_performances.TestLeadAssignPerf, CoreCrmMixin):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreSalesTeamUi(test_sales_team_ui.TestUi, CoreCrmMixin):
    pass
