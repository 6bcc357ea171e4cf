# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.constants import ACCESS_ORIGINS


class CrmContentAccess(models.Model):
    """A prospect opened a content item (who, when, from which lead): the
    implicit preferences nurturing and the usage reports read."""

    _name = "crm.content.access"
    _description = "Sales Content Access"
    _order = "date desc, id desc"
    _rec_name = "content_id"

    content_id = fields.Many2one("crm.content", required=True, ondelete="cascade", index=True)
    lead_id = fields.Many2one("crm.lead", ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Opened By", ondelete="set null", index="btree_not_null")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    origin = fields.Selection(ACCESS_ORIGINS, required=True, default="other")
    share_id = fields.Many2one("crm.content.share", ondelete="set null", index="btree_not_null")
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        lead_ids = {vals["lead_id"] for vals in vals_list if vals.get("lead_id")}
        content_ids = {vals["content_id"] for vals in vals_list if vals.get("content_id")}
        company_by_lead = {lead.id: lead.company_id.id for lead in self.env["crm.lead"].sudo().browse(lead_ids)}
        company_by_content = {
            content.id: content.company_id.id for content in self.env["crm.content"].sudo().browse(content_ids)}
        for vals in vals_list:
            if "company_id" not in vals:
                vals["company_id"] = (company_by_lead.get(vals.get("lead_id"))
                                      or company_by_content.get(vals.get("content_id")) or False)
        accesses = super().create(vals_list)
        accesses._update_profile()
        return accesses

    # ------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------

    def _update_profile(self):
        """Each access adds its item's topics to the lead's interests
        (implicit weight, count, date), counts on the nurture mail that
        carried the link, and runs the lead through the pipeline: scoring
        rules may read accesses, and reaching the sales-ready score hands
        the lead to sales."""
        accesses = self.sudo().filtered("lead_id")
        if not accesses:
            return
        increments = {}
        for access in accesses:
            for topic in access.content_id.topic_ids:
                count, votes, date = increments.get((access.lead_id.id, topic.id), (0, 0, access.date))
                increments[access.lead_id.id, topic.id] = (count + 1, votes, max(date, access.date))
        self.env["crm.lead.interest"]._add_weights(increments)
        self.env["crm.nurture.enrollment"]._on_accesses(accesses)
        leads = accesses.lead_id
        if leads._pipeline_watch()[0]:
            leads._pipeline_enqueue()

    @api.model
    def _lead_ids_sql(self, min_count, kind=None, topic_id=None, window_days=0):
        """SQL sub-query: the leads that opened at least ``min_count``
        distinct items (of ``kind``, about ``topic_id``, in the last
        ``window_days`` days; 0: ever). Read by scoring rules' access
        conditions (crm.scoring.rule._match_domain) inside the lead search,
        so the accesses are flushed first."""
        self.flush_model(["lead_id", "content_id", "date"])
        self.env["crm.content"].flush_model(["kind", "topic_ids"])
        conditions = [SQL("access.lead_id IS NOT NULL")]
        if window_days:
            conditions.append(SQL("access.date >= %s", fields.Datetime.now() - timedelta(days=window_days)))
        if kind:
            conditions.append(SQL("content.kind = %s", kind))
        if topic_id:
            conditions.append(SQL(
                "EXISTS (SELECT 1 FROM crm_content_topic_rel AS rel"
                " WHERE rel.content_id = access.content_id AND rel.topic_id = %s)", topic_id))
        return SQL("""(
            SELECT access.lead_id
              FROM crm_content_access AS access
              JOIN crm_content AS content ON content.id = access.content_id
             WHERE %s
          GROUP BY access.lead_id
            HAVING COUNT(DISTINCT access.content_id) >= %s
        )""", SQL(" AND ").join(conditions), min_count)
