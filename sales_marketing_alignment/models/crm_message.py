# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL

from .crm_alignment_effectiveness_mixin import STATS_GROUPS


class CrmMessage(models.Model):
    """A key message sales and marketing agreed on: the customer's problem,
    our answer and the proof, for a segment. Marketing manages them; reps tag
    the ones they used on a call (crm.message.use)."""

    _name = "crm.message"
    _inherit = ["crm.alignment.effectiveness.mixin"]
    _description = "Key Message"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    problem = fields.Text("Customer Problem", translate=True,
                          help="The business problem, in the customer's words.")
    answer = fields.Text(translate=True, help="How we solve it: what the customer can do, not how the product works.")
    proof = fields.Text(translate=True, help="Evidence: a customer, a figure, a case.")
    user_id = fields.Many2one("res.users", string="Owner", default=lambda self: self.env.user, index=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    use_ids = fields.One2many("crm.message.use", "message_id", string="Uses")
    content_ids = fields.Many2many("crm.content", "crm_content_message_rel", "message_id", "content_id",
                                   string="Content Items")
    # Use on calls (one grouped read for all records)
    use_count = fields.Integer("Times Used", compute="_compute_use_stats", groups=STATS_GROUPS)
    resonance_rate = fields.Float(
        compute="_compute_use_stats", groups=STATS_GROUPS, digits=(16, 1),
        help="Uses where the customer's reaction was 'resonated' / all uses (%).")
    objection_count = fields.Integer("Objections", compute="_compute_use_stats", groups=STATS_GROUPS)

    def _compute_use_stats(self):
        counts = {
            (message.id, reaction): count
            for message, reaction, count in self.env["crm.message.use"].sudo()._read_group(
                [("message_id", "in", self.ids)], ["message_id", "reaction"], ["__count"])
        }
        for message in self:
            by_reaction = {key: counts.get((message.id, key), 0) for key in ("resonated", "neutral", "objection")}
            total = sum(by_reaction.values())
            message.use_count = total
            message.resonance_rate = 100.0 * by_reaction["resonated"] / total if total else 0.0
            message.objection_count = by_reaction["objection"]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_uses(self):
        """The tagged calls of the message, with their lead's stage and outcome."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_marketing_alignment.crm_message_report_action")
        action["domain"] = [("message_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _effectiveness_usage(self):
        return SQL("SELECT message_id AS item_id, lead_id, date FROM crm_message_use WHERE message_id IN %s",
                   tuple(self.ids) or (0,))
