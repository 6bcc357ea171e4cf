"""Uninstalling the addon leaves core CRM and its data intact."""

import pytest

ADDON = "sales_marketing_alignment"


@pytest.mark.uninstall
def test_uninstall_keeps_core_crm(odoo_server, admin):
    lead_id = admin.call("crm.lead", "create", {"name": "Core lead, kept after uninstall",
                                                "expected_revenue": 1234})
    stages_before = admin.call("crm.stage", "search_count", [])
    [module_id] = admin.call("ir.module.module", "search", [("name", "=", ADDON)])

    admin.call("ir.module.module", "button_immediate_uninstall", [module_id])

    session = odoo_server.login("admin", "admin")
    states = {m["name"]: m["state"] for m in session.call(
        "ir.module.module", "search_read", [("name", "in", [ADDON, "crm"])], fields=["name", "state"])}
    assert states == {ADDON: "uninstalled", "crm": "installed"}
    [lead] = session.call("crm.lead", "read", [lead_id], fields=["name", "expected_revenue"])
    assert lead["name"] == "Core lead, kept after uninstall" and lead["expected_revenue"] == 1234
    assert session.call("crm.stage", "search_count", []) == stages_before
    assert "cost" not in session.call("utm.campaign", "fields_get", attributes=["type"])
    assert not session.call("ir.model.data", "search_count", [("module", "=", ADDON)])
    assert not session.call("ir.ui.menu", "search_count", [("name", "=", "Alignment")])
    # CRM keeps working: a new lead can be created and won.
    new_id = session.call("crm.lead", "create", {"name": "After uninstall", "type": "opportunity"})
    session.call("crm.lead", "action_set_won", [new_id])
    [won] = session.call("crm.lead", "read", [new_id], fields=["probability"])
    assert won["probability"] == 100
