# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmTeam(models.Model):
    _inherit = "crm.team"

    # Follow-up SLA policy (paper 000, step 2: accountability)
    sla_first_touch_hours = fields.Float(
        "First Touch SLA (working hours)",
        default=4.0,
        help="Working hours, after a lead is assigned, to complete a first activity on it.",
    )
    sla_feedback_days = fields.Float(
        "Feedback SLA (days)",
        default=2.0,
        help="Days, after marketing hands a lead off, to accept, reject or close it.",
    )
    sla_reassign_on_breach = fields.Boolean(
        "Reassign After Second Breach",
        help="When a lead is still not touched one SLA period after its escalation, give it "
        "to the team member with the fewest open leads.",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar", string="Working Hours",
        help="Working hours of the first-touch SLA; empty: the company's.",
    )
    sla_response_median_hours = fields.Float(
        "Median Response (hours)", compute="_compute_sla_response_stats",
        help="Median time from assignment to first touch of the team's leads.")
    sla_response_avg_hours = fields.Float("Average Response (hours)", compute="_compute_sla_response_stats")

    @api.model_create_multi
    def create(self, vals_list):
        """New teams start from their company's default SLA (Settings)."""
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            vals.setdefault("sla_first_touch_hours", company.sla_first_touch_hours)
            vals.setdefault("sla_feedback_days", company.sla_feedback_days)
        return super().create(vals_list)

    @api.constrains("sla_first_touch_hours", "sla_feedback_days")
    def _check_sla(self):
        for team in self:
            if team.sla_first_touch_hours <= 0 or team.sla_feedback_days <= 0:
                raise ValidationError(_(
                    "The SLA times of team \"%(team)s\" must be greater than zero.", team=team.name))

    def _compute_sla_response_stats(self):
        # Medians are not an ORM aggregate: one SQL query for all the teams.
        stats = {}
        if self.ids:
            self.env["crm.lead"].flush_model(["team_id", "date_open", "date_first_touch"])
            self.env.cr.execute("""
                SELECT team_id,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours),
                       AVG(hours)
                  FROM (SELECT team_id, EXTRACT(EPOCH FROM date_first_touch - date_open) / 3600 AS hours
                          FROM crm_lead
                         WHERE team_id IN %s AND date_first_touch IS NOT NULL AND date_open IS NOT NULL
                       ) AS response
              GROUP BY team_id
            """, [tuple(self.ids)])
            stats = {team_id: (median, avg) for team_id, median, avg in self.env.cr.fetchall()}
        for team in self:
            median, avg = stats.get(team.id, (0.0, 0.0))
            team.sla_response_median_hours = median or 0.0
            team.sla_response_avg_hours = avg or 0.0
