# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools.constants import NURTURE_EXPLICIT_FACTOR

# Written by the engine from content accesses only.
ENGINE_FIELDS = frozenset({"implicit_weight", "access_count", "date_last_access", "date_explicit", "company_id"})


class CrmLeadInterest(models.Model):
    """One topic of a lead's profile: what the lead read about it (implicit
    weight: one per access to an item of the topic) and what the prospect
    told us (explicit weight: one per topic they picked), which outweighs
    what we inferred (``weight``)."""

    _name = "crm.lead.interest"
    _description = "Lead Interest"
    _order = "weight desc, id"
    _rec_name = "topic_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    topic_id = fields.Many2one("crm.content.topic", required=True, ondelete="cascade", index=True)
    implicit_weight = fields.Integer(
        readonly=True, help="Accesses to content items of this topic.")
    explicit_weight = fields.Integer(
        help="Times the prospect said this topic interests them (mail links, "
        "preference form, or a rep noting it from a call).")
    weight = fields.Integer(
        compute="_compute_weight", store=True,
        help=f"Implicit weight plus {NURTURE_EXPLICIT_FACTOR} times the explicit weight: "
        "what the prospect told us outweighs what we inferred.")
    access_count = fields.Integer("Accesses", readonly=True)
    date_last_access = fields.Datetime("Last Access", readonly=True)
    date_explicit = fields.Datetime("Told Us On", readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    _sql_constraints = [
        ("lead_topic_uniq", "unique(lead_id, topic_id)", "A lead has one line per topic."),
    ]

    @api.depends("implicit_weight", "explicit_weight")
    def _compute_weight(self):
        for line in self:
            line.weight = line.implicit_weight + NURTURE_EXPLICIT_FACTOR * line.explicit_weight

    @api.model_create_multi
    def create(self, vals_list):
        self._check_engine_fields(vals_list)
        leads = self.env["crm.lead"].sudo().browse({vals["lead_id"] for vals in vals_list if vals.get("lead_id")})
        company_by_lead = {lead.id: lead.company_id.id for lead in leads}
        for vals in vals_list:
            vals.setdefault("company_id", company_by_lead.get(vals.get("lead_id")) or False)
        return super().create(vals_list)

    def write(self, vals):
        self._check_engine_fields([vals])
        return super().write(vals)

    def _check_engine_fields(self, vals_list):
        """What the prospect read is recorded by the engine, never typed: a
        person records what the prospect told them (explicit weight)."""
        if self.env.su:
            return
        written = set().union(*vals_list) & ENGINE_FIELDS
        if written:
            raise AccessError(_(
                "%(fields)s are recorded from the content the prospect opened, not by hand.",
                fields=", ".join(sorted(self._fields[name].get_description(self.env)["string"]
                                        for name in written))))

    # ------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------

    @api.model
    def _add_weights(self, increments):
        """Add to the profile: ``increments`` is {(lead id, topic id):
        (accesses, explicit votes, date)}. One search, one create and one
        write per distinct value (the engine's: sudo)."""
        if not increments:
            return self.browse()
        Interest = self.sudo()
        lead_ids = {lead_id for lead_id, _topic_id in increments}
        existing = {
            (line.lead_id.id, line.topic_id.id): line
            for line in Interest.search([("lead_id", "in", list(lead_ids))])
            if (line.lead_id.id, line.topic_id.id) in increments
        }
        to_create, by_vals = [], defaultdict(list)
        for (lead_id, topic_id), (accesses, votes, date) in increments.items():
            line = existing.get((lead_id, topic_id))
            if not line:
                to_create.append({
                    "lead_id": lead_id, "topic_id": topic_id,
                    "implicit_weight": accesses, "access_count": accesses,
                    "date_last_access": date if accesses else False,
                    "explicit_weight": votes, "date_explicit": date if votes else False,
                })
                continue
            vals = {}
            if accesses:
                vals.update(implicit_weight=line.implicit_weight + accesses,
                            access_count=line.access_count + accesses, date_last_access=date)
            if votes:
                vals.update(explicit_weight=line.explicit_weight + votes, date_explicit=date)
            by_vals[tuple(sorted(vals.items()))].append(line.id)
        lines = Interest.create(to_create)
        for vals, line_ids in by_vals.items():
            Interest.browse(line_ids).write(dict(vals))
            lines |= Interest.browse(line_ids)
        return lines

    @api.model
    def _record_explicit(self, lead, topics):
        """The prospect of ``lead`` told us these topics interest them (a
        nurture mail's topic link, its preference form, or the form on a
        shared item's content page): one explicit vote per topic they had not
        picked yet (picking it again counts once), noted in the lead's
        chatter. Returns the topics newly recorded. The callers pass only
        the topics they offered, for the lead their token opens."""
        lead.ensure_one()
        told = set(self.sudo().search(
            [("lead_id", "=", lead.id), ("explicit_weight", ">", 0)]).topic_id.ids)
        new = topics.filtered(lambda topic: topic.id not in told)
        if not new:
            return new
        self._add_weights({(lead.id, topic.id): (0, 1, fields.Datetime.now()) for topic in new})
        lead.sudo()._message_log(body=Markup("%s") % _(
            "The prospect told us what interests them: %(topics)s.", topics=", ".join(new.mapped("name"))))
        return new

    @api.model
    def _merge_into(self, head, leads):
        """Merging leads: the head's profile adds up theirs."""
        lines = self.sudo().search([("lead_id", "in", (leads - head).ids)])
        if not lines:
            return
        increments = {}
        for line in lines:
            accesses, votes, date = increments.get((head.id, line.topic_id.id), (0, 0, False))
            dates = [d for d in (date, line.date_last_access, line.date_explicit) if d]
            increments[head.id, line.topic_id.id] = (
                accesses + line.implicit_weight, votes + line.explicit_weight, max(dates, default=fields.Datetime.now()))
        self._add_weights(increments)
        lines.unlink()
