# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Sales and Marketing Alignment - Sales",
    "summary": "Campaign-to-cash on sales orders: confirmed and invoiced revenue credited to campaigns",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/sales-marketing-alignment/sales_marketing_alignment",
    "author": "sales_marketing_alignment authors",
    "license": "LGPL-3",
    "depends": ["sales_marketing_alignment", "sale_crm"],
    "data": [
        "views/utm_campaign_views.xml",
        "report/crm_attribution_report_views.xml",
    ],
    "installable": True,
    "auto_install": True,
    "application": False,
}
