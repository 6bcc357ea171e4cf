# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    # Campaign economics: core utm.campaign has no cost, and ROI on revenue
    # (MISSION.md) needs one. Only marketing sees and edits it.
    cost = fields.Monetary(
        currency_field="currency_id",
        groups="sales_marketing_alignment.group_alignment_marketing",
        help="Total money spent on this campaign (media, events, agencies). "
        "Used for cost per customer and ROI on revenue.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        required=True,
    )

    feedback_count = fields.Integer(
        compute="_compute_feedback_count", groups="sales_team.group_sale_salesman",
        help="Leads of this campaign that sales closed or returned to nurture with a reason.",
    )

    sla_compliance_rate = fields.Float(
        "Follow-up On Time (%)", compute="_compute_sla_compliance_rate", groups="sales_team.group_sale_salesman",
        help="Share of this campaign's leads that sales followed up within the SLA.")

    def _compute_sla_compliance_rate(self):
        rates = dict(self.env["crm.sla.report"]._read_group(
            [("campaign_id", "in", self.ids)], ["campaign_id"], ["on_time_rate:avg"]))
        for campaign in self:
            campaign.sla_compliance_rate = rates.get(campaign) or 0.0

    def _compute_feedback_count(self):
        counts = dict(self.env["crm.feedback.report"]._read_group(
            [("campaign_id", "in", self.ids)], ["campaign_id"], ["__count"]))
        for campaign in self:
            campaign.feedback_count = counts.get(campaign, 0)

    def action_open_feedback(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_marketing_alignment.crm_feedback_report_action")
        action["domain"] = [("campaign_id", "in", self.ids)]
        action["context"] = {"search_default_group_reason": 1}
        return action

    @api.constrains("cost")
    def _check_cost(self):
        for campaign in self.sudo():
            if campaign.cost < 0:
                raise ValidationError(_(
                    "The cost of campaign \"%(campaign)s\" cannot be negative: "
                    "enter what was spent, or 0.", campaign=campaign.title,
                ))
