# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models

from ..tools.constants import ROUTING_OUTCOMES, ROUTING_TARGETS
from ..tools.sql import insert_rows


class CrmLeadRoutingLog(models.Model):
    """One routing decision: which rule sent which lead where, and why."""

    _name = "crm.lead.routing.log"
    _description = "Lead Routing Decision"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", required=True, index=True, ondelete="cascade")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    rule_id = fields.Many2one("crm.routing.rule", index="btree_not_null", ondelete="set null")
    target = fields.Selection(ROUTING_TARGETS)
    outcome = fields.Selection(ROUTING_OUTCOMES, required=True)
    score = fields.Integer(help="The lead's score when it was routed.")
    team_id = fields.Many2one("crm.team", ondelete="set null")
    user_id = fields.Many2one("res.users", string="Salesperson", ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Channel Partner", ondelete="set null")
    previous_user_id = fields.Many2one("res.users", string="Previous Salesperson", ondelete="set null")
    reason = fields.Char(help="Why the engine decided this, in words.")
    # Stored at creation (not a related field): see crm.lead.lifecycle.history.
    company_id = fields.Many2one("res.company", index=True)

    @api.model
    def _routing_log_vals(self, lead, rule, outcome, reason, previous_user=None):
        return {
            "lead_id": lead.id, "rule_id": rule.id, "target": rule.target or False, "outcome": outcome,
            "score": lead.score, "team_id": lead.team_id.id, "user_id": lead.user_id.id,
            "partner_id": lead.partner_assigned_id.id if outcome == "partner" else False,
            "previous_user_id": (previous_user if previous_user is not None else lead.user_id).id,
            "reason": reason, "company_id": lead.company_id.id,
        }

    @api.model
    def _log_routing(self, logs):
        """The decisions in the routing log and in each lead's chatter, in one
        insert each for the whole batch (the chatter notes as Odoo's
        _message_log_batch writes them, see _message_log_bulk)."""
        if not logs:
            return
        insert_rows(self.sudo(), logs)
        by_lead = defaultdict(list)
        notes = {}  # a batch has few distinct notes: each written (and translated) once
        for log in logs:
            key = (log["reason"], log["previous_user_id"], log["user_id"])
            if key not in notes:
                notes[key] = self._routing_note(log)
            by_lead[log["lead_id"]].append(notes[key])
        leads = self.env["crm.lead"].sudo().browse(list(by_lead))
        leads._message_log_bulk({lead_id: Markup().join(notes) for lead_id, notes in by_lead.items()})

    @api.model
    def _routing_note(self, log):
        """Chatter note of a routing decision: the reason, and the change of
        salesperson (routing writes are not tracked one lead at a time)."""
        body = Markup("<p>%s</p>") % _("Routing: %(reason)s", reason=log["reason"])
        if log["previous_user_id"] != log["user_id"]:
            Users = self.env["res.users"].sudo()
            body += Markup("<p>%s</p>") % _(
                "Salesperson: %(previous)s → %(new)s",
                previous=Users.browse(log["previous_user_id"]).name or _("nobody"),
                new=Users.browse(log["user_id"]).name or _("nobody"))
        return body
