# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.osv import expression
from odoo.tools import SQL

from ..tools.constants import TOUCHPOINT_ORIGINS, UTM_FIELDS

# Clocks of the server and of the database may differ by a little: a
# touchpoint dated a minute ahead is not "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


class CrmTouchpoint(models.Model):
    """One campaign interaction of a lead: what brought the person (campaign,
    source, medium), how (origin), when and who recorded it. Touchpoints are
    history: the engine adds them, nothing rewrites them, and marketing's
    corrections are logged in the lead's chatter. Attribution models split a
    won deal's revenue between the campaigns of its touchpoints
    (crm.attribution.report)."""

    _name = "crm.touchpoint"
    _description = "Campaign Touchpoint"
    _order = "date desc, id desc"
    _rec_name = "campaign_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Contact", index="btree_not_null", ondelete="set null")
    # A campaign with history is archived, not deleted (restrict); sources and
    # media are emptied when deleted, the touchpoint itself stays.
    campaign_id = fields.Many2one("utm.campaign", index=True, ondelete="restrict")
    source_id = fields.Many2one("utm.source", index="btree_not_null", ondelete="set null")
    medium_id = fields.Many2one("utm.medium", index="btree_not_null", ondelete="set null")
    origin = fields.Selection(TOUCHPOINT_ORIGINS, required=True, default="manual")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one(
        "res.users", string="Recorded By", default=lambda self: self.env.user, ondelete="set null")
    # The inquiry that brought this touch: the lead itself, or a later
    # duplicate inquiry of the same person (kept when both are merged).
    inquiry_lead_id = fields.Many2one("crm.lead", string="From Inquiry", index="btree_not_null",
                                      ondelete="set null")
    # Set once at creation from the lead (not related: a lead moving to
    # another company keeps where its touches happened).
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    @api.constrains("date")
    def _check_date(self):
        limit = fields.Datetime.now() + FUTURE_TOLERANCE
        for touchpoint in self:
            if touchpoint.date > limit:
                raise ValidationError(_(
                    "A touchpoint of \"%(lead)s\" is dated %(date)s, in the future: record a touch "
                    "when it happened.", lead=touchpoint.lead_id.display_name, date=touchpoint.date))

    @api.constrains("lead_id", "company_id")
    def _check_company(self):
        # A person records touches only on leads of the companies they work in.
        allowed = self.env.companies if not self.env.su else None
        for touchpoint in self.sudo():
            lead_company = touchpoint.lead_id.company_id
            if allowed is not None and lead_company and lead_company not in allowed:
                raise ValidationError(_(
                    "The lead \"%(lead)s\" belongs to %(company)s, a company you do not work in: "
                    "record touches on your own company's leads.",
                    lead=touchpoint.lead_id.display_name, company=lead_company.name))
            if lead_company and touchpoint.company_id and touchpoint.company_id != lead_company:
                raise ValidationError(_(
                    "The touchpoint belongs to %(company)s but the lead \"%(lead)s\" to %(lead_company)s: "
                    "record touches on leads of the same company.",
                    company=touchpoint.company_id.name, lead=touchpoint.lead_id.display_name,
                    lead_company=lead_company.name))

    @api.model_create_multi
    def create(self, vals_list):
        leads = self.env["crm.lead"].browse(
            [vals["lead_id"] for vals in vals_list if vals.get("lead_id")]).sudo()
        companies = {lead.id: lead.company_id.id for lead in leads}
        for vals in vals_list:
            if "company_id" not in vals and vals.get("lead_id"):
                vals["company_id"] = companies.get(vals["lead_id"], False)
        touchpoints = super().create(vals_list)
        if not self.env.su:
            touchpoints._log_correction(_("Touchpoint added by hand"))
        return touchpoints

    def write(self, vals):
        if not self.env.su:
            # Marketing corrects touches: the lead keeps a trace of the old values.
            self._log_correction(_("Touchpoint corrected by hand (before the correction)"))
        if "lead_id" in vals and "company_id" not in vals and vals["lead_id"]:
            vals = dict(vals, company_id=self.env["crm.lead"].browse(vals["lead_id"]).sudo().company_id.id)
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            self._log_correction(_("Touchpoint deleted by hand"))
        return super().unlink()

    # ------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------

    @api.model
    def _record(self, leads, origin, inquiries=None, date=None):
        """Record one touchpoint per lead of ``leads`` from its current UTM
        values, in one insert, as the system (the caller decided the touch
        happened). ``inquiries``: the inquiry lead of each touch (defaults to
        the lead itself)."""
        if not leads:
            return self.browse()
        inquiries = inquiries or leads
        now = date or fields.Datetime.now()
        return self.sudo().create([{
            "lead_id": lead.id,
            "partner_id": lead.partner_id.id,
            "campaign_id": inquiry.campaign_id.id,
            "source_id": inquiry.source_id.id,
            "medium_id": inquiry.medium_id.id,
            "origin": origin,
            "date": now,
            "user_id": self.env.uid,
            "inquiry_lead_id": inquiry.id,
            "company_id": lead.company_id.id,
        } for lead, inquiry in zip(leads, inquiries)])

    @api.model
    def _record_new_leads(self, leads):
        """First touchpoints of new leads that carry UTM values, and the touch
        of a later inquiry on the same person's open lead (same normalized
        email or same partner, same company). Two inserts and one search for
        any number of leads."""
        tracked = leads.filtered(lambda lead: any(lead[fname] for fname in UTM_FIELDS))
        if not tracked:
            return self.browse()
        origins = {}
        for lead in tracked:
            origins.setdefault(self._guess_origin(lead), []).append(lead.id)
        touchpoints = self.browse()
        for origin, ids in origins.items():
            touchpoints |= self._record(leads.browse(ids), origin)
        # A later inquiry of a known person: its touch also counts on the
        # person's open lead, merged or not.
        previous = self._find_open_leads(tracked)
        if previous:
            pairs = [(lead, previous[lead.id]) for lead in tracked if lead.id in previous]
            touchpoints |= self._record(
                leads.browse([open_lead.id for _lead, open_lead in pairs]),
                self._guess_origin(tracked[:1]) if len(origins) == 1 else "api",
                inquiries=leads.browse([lead.id for lead, _open_lead in pairs]))
        return touchpoints

    @api.model
    def _guess_origin(self, lead):
        """How a new lead's first touch happened, from who creates it. Only a
        label: it grants nothing. Imports set ``import_file`` in the context;
        website forms create as the system on behalf of a visitor (the
        request's user is public or portal); event_crm sets ``event_id``; a
        person (internal user) creating through RPC is "api" until the form's
        save (web_save) or the mail gateway (message_new) relabel their leads
        ("manual", "mailing"); the system otherwise is "api"."""
        if self.env.context.get("import_file"):
            return "import"
        if "event_id" in lead._fields and lead["event_id"]:
            return "event"
        if self.env.user.share or (request and getattr(request, "env", None) and request.env.user.share):
            return "web_form"
        return "api"

    @api.model
    def _find_open_leads(self, leads):
        """{new lead id: the most recent other open lead or opportunity of the
        same person (normalized email or partner) and company}, in one search."""
        emails = {lead.email_normalized for lead in leads if lead.email_normalized}
        partners = {lead.partner_id.id for lead in leads if lead.partner_id}
        if not emails and not partners:
            return {}
        # (an empty domain would match every lead: only the parts that apply)
        person = expression.OR([domain for domain in (
            [("email_normalized", "in", list(emails))] if emails else None,
            [("partner_id", "in", list(partners))] if partners else None,
        ) if domain])
        candidates = self.env["crm.lead"].sudo().search(expression.AND([
            person,
            [("id", "not in", leads.ids), ("active", "=", True),
             "|", ("stage_id", "=", False), ("stage_id.is_won", "=", False)],
        ]), order="id desc")
        # The most recent candidate per (company, email) and (company, partner).
        by_email, by_partner = {}, {}
        for candidate in candidates:
            if candidate.email_normalized:
                by_email.setdefault((candidate.company_id.id, candidate.email_normalized), candidate)
            if candidate.partner_id:
                by_partner.setdefault((candidate.company_id.id, candidate.partner_id.id), candidate)
        result = {}
        for lead in leads:
            found = [match for match in (
                by_email.get((lead.company_id.id, lead.email_normalized)) if lead.email_normalized else None,
                by_partner.get((lead.company_id.id, lead.partner_id.id)) if lead.partner_id else None,
            ) if match]
            if found:
                result[lead.id] = max(found, key=lambda match: match.id)
        return result

    @api.model
    def _merge_into(self, head, tails):
        """Merge: move the touchpoints of ``tails`` to ``head``. A touch the
        head already records from the same inquiry (a second inquiry recorded
        on both) is dropped, so it counts once."""
        moving = tails.sudo().touchpoint_ids
        if not moving:
            return
        known = set(head.sudo().touchpoint_ids.mapped("inquiry_lead_id").ids)
        duplicates = moving.filtered(lambda tp: tp.inquiry_lead_id.id in known)
        duplicates.sudo().unlink()
        (moving - duplicates).sudo().write({"lead_id": head.id})

    @api.model
    def _touchpoint_init_existing(self):
        """Install: leads the database already has with a campaign, source or
        medium get one first touchpoint (origin "api", dated at the lead's
        creation), so attribution covers the past. Set-based SQL: a database
        may hold millions of leads, and the ORM would insert them one by one."""
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            WITH inserted AS (
                INSERT INTO crm_touchpoint
                       (lead_id, partner_id, campaign_id, source_id, medium_id, origin, date, user_id,
                        inquiry_lead_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT l.id, l.partner_id, l.campaign_id, l.source_id, l.medium_id, 'api', l.create_date,
                       l.create_uid, l.id, l.company_id,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM crm_lead AS l
                 WHERE (l.campaign_id IS NOT NULL OR l.source_id IS NOT NULL OR l.medium_id IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM crm_touchpoint AS t WHERE t.lead_id = l.id)
             RETURNING lead_id, campaign_id
            )
            UPDATE crm_lead AS l
               SET first_touch_campaign_id = i.campaign_id, last_touch_campaign_id = i.campaign_id
              FROM inserted AS i
             WHERE i.lead_id = l.id
        """, uid=self.env.uid))
        self.env.invalidate_all()

    def _log_correction(self, title):
        """A note per lead in chatter listing the touchpoints a person changed."""
        lines = {}
        for touchpoint in self.sudo():
            lines.setdefault(touchpoint.lead_id, []).append(_(
                "%(date)s: campaign %(campaign)s, source %(utm_source)s, medium %(utm_medium)s, origin %(origin)s",
                date=touchpoint.date, campaign=touchpoint.campaign_id.title or "-",
                utm_source=touchpoint.source_id.name or "-", utm_medium=touchpoint.medium_id.name or "-",
                origin=dict(TOUCHPOINT_ORIGINS).get(touchpoint.origin, "-")))
        if not lines:
            return
        leads = self.env["crm.lead"].browse([lead.id for lead in lines]).sudo()
        leads._message_log_batch(
            {lead.id: Markup("<p>%s</p><ul>%s</ul>") % (
                title, Markup().join(Markup("<li>%s</li>") % line for line in lines[lead])) for lead in lines},
            author_id=self.env.user.partner_id.id,
        )
