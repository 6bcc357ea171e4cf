# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Sales and Marketing Alignment",
    "summary": "Lead definition, explainable scoring and routing, hand-off, feedback, "
    "accountability and campaign-to-cash reporting shared by sales and marketing",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/sales-marketing-alignment/sales_marketing_alignment",
    "author": "sales_marketing_alignment authors",
    "license": "LGPL-3",
    "depends": ["crm"],
    "data": [
        "security/sales_marketing_alignment_security.xml",
        "security/ir.model.access.csv",
        "data/crm_purchase_trigger_data.xml",
        "data/crm_lead_data.xml",
        "data/crm_lost_reason_data.xml",
        "data/crm_quick_action_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_actions_server_data.xml",
        "views/crm_lead_views.xml",
        "views/crm_scoring_rule_views.xml",
        "views/crm_routing_rule_views.xml",
        "views/crm_lead_definition_criterion_views.xml",
        "views/crm_lead_lifecycle_history_views.xml",
        "views/crm_lost_reason_views.xml",
        "views/crm_purchase_trigger_views.xml",
        "views/crm_quick_action_views.xml",
        "views/crm_team_views.xml",
        "views/utm_campaign_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/crm_lead_handoff_reject_views.xml",
        "wizard/crm_quick_action_apply_views.xml",
        "report/crm_feedback_report_views.xml",
        "report/crm_sla_report_views.xml",
        "report/crm_score_report_views.xml",
        "views/sales_marketing_alignment_menus.xml",
    ],
    "demo": [
        "demo/sales_marketing_alignment_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "sales_marketing_alignment/static/src/**/*",
        ],
        "web.assets_tests": [
            "sales_marketing_alignment/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
