"""The addon as RPC clients and users meet it on a running server with demo data."""

import re
import urllib.error
import urllib.request
from datetime import datetime, timedelta

ADDON = "sales_marketing_alignment"
EXPECTED_FIRST_LEAD_NAME = "Evergreen Pharma: Needs a quote"
EXPECTED_FIRST_LEAD_CONTACT = "Oscar Patel"


def test_server_is_odoo_18(odoo_server):
    version = odoo_server.jsonrpc("common", "version")
    assert version["server_version_info"][:2] == [18, 0]


def test_module_installed(admin):
    [module] = admin.call("ir.module.module", "search_read", [("name", "=", ADDON)],
                          fields=["state", "latest_version", "license", "application"])
    assert module["state"] == "installed"
    assert module["latest_version"] == "18.0.1.0.0"
    assert module["license"] == "LGPL-3"


def test_groups_and_admin(admin):
    xmlids = admin.call("ir.model.data", "search_read",
                        [("module", "=", ADDON), ("model", "=", "res.groups")], fields=["name", "res_id"])
    groups = {row["name"]: row["res_id"] for row in xmlids}
    assert set(groups) == {"group_alignment_marketing", "group_alignment_manager"}
    [manager] = admin.call("res.groups", "read", [groups["group_alignment_manager"]],
                           fields=["full_name", "implied_ids"])
    assert manager["full_name"] == "Alignment / Manager"
    assert groups["group_alignment_marketing"] in manager["implied_ids"]
    # Over XML-RPC too: the administrator is an alignment manager.
    assert admin.xcall("res.users", "has_group", [admin.uid], f"{ADDON}.group_alignment_manager")


def _visible_menu_names(session, parent="CRM"):
    menus = session.call("ir.ui.menu", "search_read", [("parent_id.name", "=", parent)], fields=["name"])
    return {menu["name"] for menu in menus}


def test_alignment_menu_per_role(odoo_server, admin):
    assert "Alignment" in _visible_menu_names(admin)
    assert {"Lead Lifecycle", "Campaigns", "Reporting", "Configuration"} <= _visible_menu_names(admin, "Alignment")
    mia = odoo_server.login("mia", "mia")
    assert {"Lead Lifecycle", "Campaigns", "Reporting"} <= _visible_menu_names(mia, "Alignment")
    assert "Configuration" not in _visible_menu_names(mia, "Alignment")
    # Reps see the dashboard (their own numbers), the lead lifecycle and quick
    # actions: no campaign costs, no configuration.
    emma = odoo_server.login("emma", "emma")
    assert "Alignment" in _visible_menu_names(emma)
    assert _visible_menu_names(emma, "Alignment") == {"Dashboard", "Lead Lifecycle", "Quick Actions",
                                                      "Content Library", "Key Messages"}


def test_settings_has_alignment_section(admin):
    views = admin.call("res.config.settings", "get_views", [[False, "form"]])
    arch = views["views"]["form"]["arch"]
    assert 'id="sales_marketing_alignment"' in arch
    assert 'title="Alignment"' in arch


def test_demo_teams_reps_partner(admin):
    teams = admin.call("crm.team", "search_read",
                       [("name", "in", ["Europe", "North America", "Asia Pacific"])],
                       fields=["name", "member_ids", "assignment_domain"])
    assert len(teams) == 3
    reps = {uid for team in teams for uid in team["member_ids"]}
    assert 6 <= len(reps) <= 8
    assert all("country_id" in team["assignment_domain"] for team in teams)
    partners = admin.call("res.partner", "search_count", [("category_id.name", "=", "Channel Partner")])
    assert partners >= 1


def test_demo_campaigns_with_costs(admin):
    campaigns = admin.call("utm.campaign", "search_read", [("cost", ">", 0)], fields=["title", "cost"])
    assert len(campaigns) >= 6
    leads = admin.call("crm.lead", "read_group", [("campaign_id.cost", ">", 0)],
                       ["source_id", "medium_id"], ["source_id", "medium_id"], lazy=False)
    assert len({row["source_id"][0] for row in leads}) >= 4
    assert len({row["medium_id"][0] for row in leads}) >= 4


def test_demo_leads_history(admin):
    domain = [("active", "in", [True, False])]
    total = admin.call("crm.lead", "search_count", domain)
    assert total >= 300
    won = admin.call("crm.lead", "search_read", [("probability", "=", 100), ("stage_id.is_won", "=", True)],
                     fields=["date_closed"])
    lost = admin.call("crm.lead", "search_read", [("active", "=", False), ("probability", "=", 0)],
                      fields=["date_closed"], context={"active_test": False})
    assert len(won) >= 30 and len(lost) >= 30
    now = datetime.now()
    closed_months = {
        datetime.strptime(row["date_closed"], "%Y-%m-%d %H:%M:%S").strftime("%Y-%m")
        for row in won + lost if row["date_closed"]
    }
    assert len(closed_months) >= 9, "won/lost history spreads over the past 12 months"
    oldest = admin.call("crm.lead", "search_read", domain, fields=["create_date"], order="create_date", limit=1)
    assert datetime.strptime(oldest[0]["create_date"], "%Y-%m-%d %H:%M:%S") < now - timedelta(days=300)
    types = admin.call("crm.lead", "read_group", domain, ["type"], ["type"])
    assert {row["type"] for row in types} == {"lead", "opportunity"}


def test_demo_activities(admin):
    planned = admin.call("mail.activity", "search_count", [("res_model", "=", "crm.lead")])
    done = admin.call("mail.message", "search_count",
                      [("model", "=", "crm.lead"), ("mail_activity_type_id", "!=", False)])
    without_tasks = admin.call("crm.lead", "search_count",
                               [("activity_ids", "=", False), ("user_id", "!=", False), ("probability", "<", 100)])
    assert planned >= 50
    assert done >= 200
    assert without_tasks >= 20, "some open leads have no planned activity"


def test_demo_is_deterministic(admin):
    [xmlid] = admin.call("ir.model.data", "search_read",
                         [("module", "=", ADDON), ("name", "=", "demo_lead_0000")], fields=["res_id"])
    [lead] = admin.call("crm.lead", "read", [xmlid["res_id"]], fields=["name", "partner_name", "contact_name"],
                        context={"active_test": False})
    # Fixed seed: the first generated lead is the same on every install.
    assert (lead["name"], lead["contact_name"]) == (EXPECTED_FIRST_LEAD_NAME, EXPECTED_FIRST_LEAD_CONTACT)


def test_rep_sees_own_or_unassigned_leads(odoo_server):
    emma = odoo_server.login("emma", "emma")
    leads = emma.call("crm.lead", "search_read", [], fields=["user_id"])
    assert leads
    assert all(not lead["user_id"] or lead["user_id"][0] == emma.uid for lead in leads)
    fields = emma.call("utm.campaign", "fields_get", attributes=["type"])
    assert "cost" not in fields, "reps do not see what campaigns cost"


def test_marketing_reads_costs_and_all_leads(odoo_server, admin):
    mia = odoo_server.login("mia", "mia")
    costs = mia.call("utm.campaign", "search_read", [("cost", ">", 0)], fields=["cost"])
    assert len(costs) >= 6
    assert mia.call("crm.lead", "search_count", []) == admin.call("crm.lead", "search_count", [])


def test_negative_cost_is_refused(admin):
    [campaign_id] = admin.call("utm.campaign", "search", [("cost", ">", 0)], limit=1)
    try:
        admin.call("utm.campaign", "write", [campaign_id], {"cost": -10})
    except RuntimeError as error:
        assert "cannot be negative" in str(error)
    else:
        raise AssertionError("a negative campaign cost was accepted")
    [campaign] = admin.call("utm.campaign", "read", [campaign_id], fields=["cost"])
    assert campaign["cost"] > 0


def test_demo_lifecycle_and_definition(admin):
    stages = {row["lifecycle_stage"] for row in admin.call(
        "crm.lead", "read_group", [("id", "!=", 0)], ["lifecycle_stage"], ["lifecycle_stage"],
        context={"active_test": False}) if row["lifecycle_stage_count"]}
    assert {"inquiry", "mql", "sal", "sql", "customer", "nurture", "disqualified"} <= stages
    criteria = admin.call("crm.lead.definition.criterion", "search_read", [], fields=["requirement"])
    assert {c["requirement"] for c in criteria} == {"must", "nice"}
    missing = admin.call("crm.lead", "search_read",
                         [("meets_definition", "=", False), ("lifecycle_stage", "=", "inquiry")],
                         fields=["definition_completeness", "definition_missing_ids"], limit=5)
    assert missing and all(row["definition_missing_ids"] and row["definition_completeness"] < 100 for row in missing)
    moves = admin.call("crm.lead.lifecycle.history", "read_group", [], ["to_stage"], ["to_stage"])
    assert {row["to_stage"] for row in moves} >= {"mql", "sal", "sql", "customer"}


def test_handoff_over_rpc(odoo_server, admin):
    """Marketing hands a lead off over JSON-RPC; its rep accepts over XML-RPC;
    another rep is refused with a message."""
    mia = odoo_server.login("mia", "mia")
    emma = odoo_server.login("emma", "emma")
    [lead_id] = admin.call("crm.lead", "search", [("lifecycle_stage", "in", ["lead", "nurture"])], limit=1)
    admin.call("crm.lead", "write", [lead_id], {"user_id": emma.uid})
    mia.call("crm.lead", "action_handoff_to_sales", [lead_id])
    lucas = odoo_server.login("lucas", "lucas")
    try:
        lucas.call("crm.lead", "action_accept_handoff", [lead_id])
    except RuntimeError as error:
        assert "doesn't have 'read'" in str(error)  # another rep does not even see it
    else:
        raise AssertionError("another rep accepted emma's lead")
    emma.xcall("crm.lead", "action_accept_handoff", [lead_id])
    [lead] = admin.call("crm.lead", "read", [lead_id], fields=["lifecycle_stage", "date_accepted"])
    assert lead["lifecycle_stage"] == "sal" and lead["date_accepted"]
    history = admin.call("crm.lead.lifecycle.history", "search_read", [("lead_id", "=", lead_id)],
                         fields=["from_stage", "to_stage", "user_id"], order="id desc", limit=2)
    assert [(h["from_stage"], h["to_stage"], h["user_id"][0]) for h in history] == [
        ("mql", "sal", emma.uid), (history[1]["from_stage"], "mql", mia.uid)]


def test_quick_action_over_rpc(odoo_server, admin):
    """A rep applies a shared quick action over JSON-RPC and cannot edit it."""
    emma = odoo_server.login("emma", "emma")
    [voicemail] = admin.call("ir.model.data", "search_read",
                             [("module", "=", ADDON), ("name", "=", "quick_action_left_voicemail")],
                             fields=["res_id"])
    action_id = voicemail["res_id"]
    [lead_id] = emma.call("crm.lead", "search", [("user_id", "=", emma.uid)], limit=1)
    before = emma.call("mail.activity", "search_count", [("res_model", "=", "crm.lead"), ("res_id", "=", lead_id)])
    result = emma.call("crm.quick.action", "action_apply", [action_id], [lead_id])
    assert result["tag"] == "display_notification"
    planned = emma.call("mail.activity", "search_read", [("res_model", "=", "crm.lead"), ("res_id", "=", lead_id)],
                        fields=["summary", "user_id", "activity_type_id"])
    assert len(planned) == before + 1
    assert any(a["summary"] == "Call again" and a["user_id"][0] == emma.uid for a in planned)
    [action] = admin.call("crm.quick.action", "read", [action_id], fields=["usage_count"])
    assert action["usage_count"] >= 1
    try:
        emma.call("crm.quick.action", "write", [action_id], {"next_delay": 9})
    except RuntimeError as error:
        assert "Only sales managers" in str(error)
    else:
        raise AssertionError("a rep edited a shared quick action")


def test_demo_quick_action_usage(admin):
    rows = admin.call("crm.quick.action.usage", "read_group", [], ["quick_action_id", "user_id"],
                      ["quick_action_id", "user_id"], lazy=False)
    assert len({row["quick_action_id"][0] for row in rows}) >= 3
    assert len({row["user_id"][0] for row in rows}) >= 5


def test_demo_feedback_analysis(odoo_server):
    mia = odoo_server.login("mia", "mia")
    rows = mia.call("crm.feedback.report", "read_group", [], ["category"], ["category"])
    assert len([row for row in rows if row["category_count"]]) >= 4
    by_campaign = mia.call("crm.feedback.report", "read_group", [("campaign_id", "!=", False)],
                           ["campaign_id"], ["campaign_id"])
    assert len(by_campaign) >= 5
    nurture = mia.call("crm.lead", "search_count", [("lifecycle_stage", "=", "nurture")],
                       context={"active_test": False})
    assert nurture >= 5


def test_demo_sla_compliance(odoo_server, admin):
    statuses = {row["sla_status"] for row in admin.call(
        "crm.lead", "read_group", [], ["sla_status"], ["sla_status"]) if row["sla_status_count"]}
    assert {"met", "breached"} <= statuses
    grace = odoo_server.login("grace", "grace")  # sales director, leader of the three teams
    rows = grace.call("crm.sla.report", "read_group",
                      [("team_id.name", "in", ["Europe", "North America", "Asia Pacific"])],
                      ["on_time_rate:avg", "response_hours:avg"], ["team_id"])
    rates = [row["on_time_rate"] for row in rows]
    assert len(rates) == 3 and all(20 < rate < 100 for rate in rates), rates
    teams = admin.call("crm.team", "search_read", [("name", "=", "Europe")],
                       fields=["sla_response_median_hours", "sla_first_touch_hours"])
    assert teams[0]["sla_response_median_hours"] > 0 and teams[0]["sla_first_touch_hours"] > 0
    emma = odoo_server.login("emma", "emma")
    own = emma.call("crm.sla.report", "search_read", [], fields=["user_id"])
    assert own and {row["user_id"][0] for row in own} == {emma.uid}


def test_demo_scoring_and_routing(admin):
    rules = admin.call("crm.scoring.rule", "search_read", [], fields=["dimension", "points", "half_life_days"])
    assert {rule["dimension"] for rule in rules} == {"fit", "engagement"}
    assert any(rule["points"] < 0 for rule in rules) and any(rule["half_life_days"] for rule in rules)
    routing = admin.call("crm.routing.rule", "search_read", [], fields=["target"], order="sequence")
    assert {"team", "partner", "nurture"} <= {rule["target"] for rule in routing}
    [xmlid] = admin.call("ir.model.data", "search_read",
                         [("module", "=", ADDON), ("name", "=", "demo_inbound_lead_00")], fields=["res_id"])
    [lead] = admin.call("crm.lead", "read", [xmlid["res_id"]], fields=[
        "fit_score", "engagement_score", "score", "grade", "lifecycle_stage", "team_id", "user_id",
        "routing_state", "routing_rule_id", "score_explanation"])
    assert lead["score"] == lead["fit_score"] + lead["engagement_score"] >= 50
    assert lead["grade"] in ("a", "b") and lead["lifecycle_stage"] == "mql"
    assert (lead["routing_state"], lead["team_id"][1]) == ("assigned", "Europe") and lead["user_id"]
    assert "Decision maker or budget holder: +25" in lead["score_explanation"]
    # Every scored demo lead is in the analysis, by grade.
    grades = admin.call("crm.score.report", "read_group", [], ["lead_count:sum", "won_rate:avg"], ["grade"])
    assert {row["grade"] for row in grades} >= {"a", "b", "c", "d"}
    assert sum(row["lead_count"] for row in grades) >= 300


def test_score_and_route_over_rpc(odoo_server, admin):
    """A lead created over JSON-RPC is scored and routed; action_score_and_route
    runs over XML-RPC on any selection; reps read scores but not edit rules."""
    country = admin.call("res.country", "search", [("code", "=", "FR")])[0]
    lead_id = admin.call("crm.lead", "create", {
        "name": "RPC prospect", "type": "lead", "user_id": False, "country_id": country,
        "buying_role": "decision_maker", "budget_status": "formal", "evaluation_timeframe": "under_1_month",
    })
    [lead] = admin.call("crm.lead", "read", [lead_id], fields=["score", "grade", "routing_state", "user_id"])
    # Demo cut-offs: A from 60.
    assert (lead["score"], lead["grade"], lead["routing_state"]) == (60, "a", "assigned") and lead["user_id"]
    assert admin.xcall("crm.lead", "action_score_and_route", [lead_id]) is True
    logs = admin.call("crm.lead.routing.log", "search_read", [("lead_id", "=", lead_id)], fields=["outcome"])
    assert [log["outcome"] for log in logs] == ["assigned"], "routing again decides nothing new"
    emma = odoo_server.login("emma", "emma")
    rule_id = admin.call("crm.scoring.rule", "search", [], limit=1)[0]
    try:
        emma.call("crm.scoring.rule", "write", [rule_id], {"points": 1000})
    except RuntimeError as error:
        assert "not allowed to modify" in str(error) or "AccessError" in str(error)
    else:
        raise AssertionError("a rep edited a scoring rule")
    try:
        admin.call("crm.routing.rule", "create", {"name": "Bad", "target": "nurture", "score_min": 10, "score_max": 5})
    except RuntimeError as error:
        assert "above the maximum" in str(error)
    else:
        raise AssertionError("a routing rule with min above max was saved")


def test_demo_messages_and_content(admin):
    uses = admin.call("crm.message.use", "search_count", [])
    shares = admin.call("crm.content.share", "search_count", [])
    assert uses >= 100 and shares >= 20
    unused = admin.call("crm.content", "search_read", [("is_unused", "=", True)], fields=["name"])
    assert [row["name"] for row in unused] == ["Feature list 2024"]
    stats = admin.call("crm.message", "search_read", [], fields=["use_count", "resonance_rate", "lift"])
    assert all(row["use_count"] for row in stats)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def test_content_link_over_http(odoo_server, admin):
    """A rep shares a white paper over RPC; its recipient opens the link on
    the running server: the access is recorded. A forged token answers 404
    and records nothing."""
    emma = odoo_server.login("emma", "emma")
    [lead] = emma.call("crm.lead", "search_read", [("type", "=", "opportunity"), ("user_id", "=", emma.uid),
                                                   ("email_from", "!=", False)], fields=["id"], limit=1)
    [paper] = admin.call("crm.content", "search", [("name", "=", "Month-end close benchmark")])
    action = emma.call("crm.lead", "action_share_content", [lead["id"]], [paper])
    assert action["res_model"] == "mail.compose.message"
    share_id, token = re.search(r"/sma/content/(\d+)/([\w-]+)", action["context"]["default_body"]).groups()
    accesses_before = admin.call("crm.content.access", "search_count", [("lead_id", "=", lead["id"])])
    opener = urllib.request.build_opener(_NoRedirect)

    def status(path):
        try:
            with opener.open(f"{odoo_server.url}{path}", timeout=30) as response:
                return response.status, response.headers.get("Location")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location")

    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert status(f"/sma/content/{share_id}/{forged}") == (404, None)
    assert admin.call("crm.content.access", "search_count", [("lead_id", "=", lead["id"])]) == accesses_before
    assert status(f"/sma/content/{share_id}/{forged}/open") == (404, None)
    assert admin.call("crm.content.access", "search_count", [("lead_id", "=", lead["id"])]) == accesses_before
    # The link shows the content page (its view is the access); its Open
    # button goes to the item and records nothing more.
    assert status(f"/sma/content/{share_id}/{token}") == (200, None)
    assert admin.call("crm.content.access", "search_count", [("lead_id", "=", lead["id"])]) == accesses_before + 1
    code, location = status(f"/sma/content/{share_id}/{token}/open")
    assert code in (302, 303) and location == "https://example.com/content/close-benchmark.pdf"
    assert admin.call("crm.content.access", "search_count", [("lead_id", "=", lead["id"])]) == accesses_before + 1
