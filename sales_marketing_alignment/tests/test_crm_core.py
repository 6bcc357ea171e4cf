# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Odoo's own crm test suite, re-run post-install with this addon installed.

Odoo runs crm's tests at crm's install, before this addon exists, so they
prove nothing about it. Subclassing them here (``allow_inherited_tests_method``)
runs every crm test again in the full registry, on a database where the addon
is installed but not configured: the addon must break nothing in core CRM.
"""

from odoo.tests import tagged

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


class CoreCrmMixin:
    """Runs a crm test class in a company where the addon is installed but
    not configured, whatever the database holds (demo data configures one)."""

    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reset_alignment_configuration(cls.env, routing=False)


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmMailActivity(CoreCrmMixin, test_crm_activity.TestCrmMailActivity):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmLead(CoreCrmMixin, test_crm_lead.TestCRMLead):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadFormTools(CoreCrmMixin, test_crm_lead.TestLeadFormTools):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadMailTrackingDuration(CoreCrmMixin, test_crm_lead.TestCrmLeadMailTrackingDuration):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadAssign(CoreCrmMixin, test_crm_lead_assignment.TestLeadAssign):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvertForm(CoreCrmMixin, test_crm_lead_convert.TestLeadConvertForm):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvert(CoreCrmMixin, test_crm_lead_convert.TestLeadConvert):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvertBatch(CoreCrmMixin, test_crm_lead_convert.TestLeadConvertBatch):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadConvertMass(CoreCrmMixin, test_crm_lead_convert_mass.TestLeadConvertMass):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadDuplicates(CoreCrmMixin, test_crm_lead_duplicates.TestCRMLead):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadLost(CoreCrmMixin, test_crm_lead_lost.TestLeadConvert):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadMerge(CoreCrmMixin, test_crm_lead_merge.TestLeadMerge):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadMultiCompany(CoreCrmMixin, test_crm_lead_multicompany.TestCRMLeadMultiCompany):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadNotification(CoreCrmMixin, test_crm_lead_notification.NewLeadNotification):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadSmartCalendar(CoreCrmMixin, test_crm_lead_smart_calendar.TestCRMLeadSmartCalendar):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCorePLS(CoreCrmMixin, test_crm_pls.TestCRMPLS):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmUi(CoreCrmMixin, test_crm_ui.TestUi):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreCrmDigest(CoreCrmMixin, test_digest.TestCrmDigest):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreLeadAssignPerf(CoreCrmMixin, test_performances.TestLeadAssignPerf):
    pass


@tagged("post_install", "-at_install", "sma_core_crm")
class TestCoreSalesTeamUi(CoreCrmMixin, test_sales_team_ui.TestUi):
    pass
