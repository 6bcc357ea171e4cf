# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Sales and Marketing Alignment",
    "summary": "Lead definition, hand-off, feedback, accountability and "
    "campaign-to-cash reporting shared by sales and marketing",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/sales-marketing-alignment/sales_marketing_alignment",
    "author": "sales_marketing_alignment authors",
    "license": "LGPL-3",
    "depends": ["crm"],
    "data": [
        "security/sales_marketing_alignment_security.xml",
        "security/ir.model.access.csv",
        "views/utm_campaign_views.xml",
        "views/res_config_settings_views.xml",
        "views/sales_marketing_alignment_menus.xml",
    ],
    "demo": [
        "demo/sales_marketing_alignment_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
