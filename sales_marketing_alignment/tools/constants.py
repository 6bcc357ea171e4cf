# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Selections and constants shared by the addon's models and reports.

This module imports no model file, so that every model file can import it
without import cycles.
"""

import psycopg2

from odoo.exceptions import UserError

# ------------------------------------------------------------
# Lead qualification and lifecycle
# ------------------------------------------------------------

LIFECYCLE_STAGES = [
    ("inquiry", "Inquiry"),
    ("lead", "Lead"),
    ("mql", "MQL"),
    ("sal", "SAL"),
    ("sql", "SQL"),
    ("customer", "Customer"),
    ("nurture", "Nurture"),
    ("disqualified", "Disqualified"),
]
BUYING_ROLES = [
    ("decision_maker", "Decision maker"),
    ("budget_holder", "Budget holder"),
    ("influencer", "Influencer"),
    ("evaluator", "Evaluator"),
    ("end_user", "End user"),
    ("unknown", "Unknown"),
]
BUDGET_STATUSES = [
    ("formal", "Formal"),
    ("informal", "Informal"),
    ("none", "None"),
    ("unknown", "Unknown"),
]
EVALUATION_TIMEFRAMES = [
    ("under_1_month", "Under 1 month"),
    ("1_3_months", "1-3 months"),
    ("3_6_months", "3-6 months"),
    ("6_12_months", "6-12 months"),
    ("over_12_months", "Over 12 months"),
    ("unknown", "Unknown"),
]
COMPANY_SIZES = [
    ("1_10", "1-10 employees"),
    ("11_50", "11-50 employees"),
    ("51_200", "51-200 employees"),
    ("201_1000", "201-1,000 employees"),
    ("1001_5000", "1,001-5,000 employees"),
    ("over_5000", "Over 5,000 employees"),
    ("unknown", "Unknown"),
]
OPEN_STAGES = ("inquiry", "lead", "mql", "sal", "sql", "nurture")
# The lifecycle as a declared state machine: for each cause of a move, the
# (from, to) pairs it may make. Every move goes through
# crm.lead._set_lifecycle_stage, which checks this table: a move a cause may
# not make is refused (a person's action) or skipped (automation).
LIFECYCLE_MOVES = {
    # the lead definition decides between inquiry and lead
    "definition": {("inquiry", "lead"), ("lead", "inquiry")},
    # marketing hands a lead to sales (button, quick action, RPC)
    "handoff": {("lead", "mql"), ("nurture", "mql")},
    # the sales-ready score hands off, and takes back what was not accepted yet
    "score": {("lead", "mql"), ("nurture", "mql"), ("mql", "nurture")},
    # sales answers the hand-off
    "accept": {("mql", "sal")},
    "reject": {("mql", "nurture"), ("mql", "disqualified")},
    # a codified reason returns an open or just-lost lead to marketing; never a customer
    "feedback": {(stage, "nurture") for stage in ("inquiry", "lead", "mql", "sal", "sql", "disqualified")},
    # a routing rule sends a lead not accepted yet to marketing
    "routing": {("lead", "nurture"), ("mql", "nurture")},
    # Odoo's own conversion, won, lost and restore: the lifecycle follows them
    "odoo": {(a, b) for a, _la in LIFECYCLE_STAGES for b, _lb in LIFECYCLE_STAGES if a != b},
    # an alignment manager's correction by hand
    "correction": {(a, b) for a, _la in LIFECYCLE_STAGES for b, _lb in LIFECYCLE_STAGES if a != b},
}
# Stages from which marketing hands a lead to sales.
HANDOFF_STAGES = ("lead", "nurture")
# Where a rejected hand-off goes.
REJECT_STAGES = ("nurture", "disqualified")
# Open leads the scoring job rescores daily (decay) and after rule changes.
CLOSED_STAGES = ("customer", "disqualified")
# The engine's hand-off digest (one notification per answerer and batch)
# lists at most this many leads, then says how many more.
HANDOFF_DIGEST_LINES = 50

# ------------------------------------------------------------
# Accountability
# ------------------------------------------------------------

SLA_STATUSES = [
    ("none", "No SLA"),
    ("on_track", "On track"),
    ("due_soon", "Due soon"),
    ("breached", "Breached"),
    ("met", "Met"),
]
DUE_SOON_SHARE = 0.25  # "due soon" when less than a quarter of the SLA time is left

# ------------------------------------------------------------
# Scoring
# ------------------------------------------------------------

GRADES = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")]
DIMENSIONS = [("fit", "Fit"), ("engagement", "Engagement")]
# Versions of a company's scoring rules (back-testing a change before it goes live)
RULE_VERSION_STATES = [("live", "Live"), ("draft", "Draft"), ("archived", "Archived")]
BACKTEST_STATES = [("draft", "Not run"), ("done", "Done")]
BACKTEST_LINE_KINDS = [("grade", "Grade"), ("bucket", "Score bucket")]
# Lifecycle stages that mean sales accepted the lead (SAL or beyond)
ACCEPTED_STAGES = ("sal", "sql", "customer")
POINTS_LIMIT = 1000

# ------------------------------------------------------------
# Routing
# ------------------------------------------------------------

SCORE_BOUND = 99999
ROUTING_TARGETS = [
    ("team", "Sales team"),
    ("user", "Salesperson"),
    ("partner", "Channel partner"),
    ("nurture", "Marketing nurture"),
]
DISTRIBUTIONS = [
    ("round_robin", "Round-robin"),
    ("capacity", "By remaining capacity"),
]
ROUTING_OUTCOMES = [
    ("assigned", "Assigned"),
    ("team", "Waiting in team"),
    ("partner", "Forwarded to partner"),
    ("nurture", "Sent to nurture"),
    ("kept", "Manual assignment kept"),
    ("unmatched", "No rule matched"),
    ("queued", "Waiting for the routing job"),
]
# Routing decides for leads sales has not accepted yet.
ROUTABLE_STAGES = ("inquiry", "lead", "mql", "nurture")
# Which engine assigns leads: this addon's routing rules, or Odoo's own
# rule-based assignment (crm.team assignment crons); never both.
ROUTING_PARAM = "sales_marketing_alignment.routing_enabled"

# ------------------------------------------------------------
# Feedback
# ------------------------------------------------------------

FEEDBACK_CATEGORIES = [
    ("decision_made", "Profile matched, decision already made"),
    ("timeframe_delayed", "Profile matched, time frame delayed"),
    ("price_too_high", "Profile matched, price too high"),
    ("not_icp", "Not our profile"),
    ("unreachable", "Unreachable"),
    ("duplicate", "Duplicate"),
    ("other", "Other"),
]
FOLLOW_UPS = [
    ("nurture", "Return to marketing nurture"),
    ("alert", "Alert management"),
    ("close", "Close"),
]

# ------------------------------------------------------------
# Rule evaluation
# ------------------------------------------------------------

# What a broken rule raises when it runs: a domain that no longer parses or
# names a field an uninstalled module removed (ValueError, SyntaxError,
# NameError, KeyError, TypeError), or compares a field with a value of the
# wrong type (DataError) or with an operator its type lacks (ProgrammingError,
# e.g. "operator does not exist"). Database failures such as a statement timeout or a
# serialization failure are not rule errors: they propagate, so that the
# transaction is retried instead of saving a score without the rule.
RULE_ERRORS = (
    ValueError, TypeError, KeyError, NameError, SyntaxError, AttributeError, UserError,
    psycopg2.DataError, psycopg2.ProgrammingError,
)

# ------------------------------------------------------------
# Attribution
# ------------------------------------------------------------

TOUCHPOINT_ORIGINS = [
    ("web_form", "Website form"),
    ("mailing", "Mailing reply"),
    ("import", "Import"),
    ("event", "Event"),
    ("manual", "Manual"),
    ("api", "API"),
]
ATTRIBUTION_MODELS = [
    ("first_touch", "First touch"),
    ("last_touch", "Last touch"),
    ("linear", "Linear"),
    ("position_based", "Position-based (40/20/40)"),
    ("time_decay", "Time decay"),
    ("w_shaped", "W-shaped"),
]
# The lead fields a touchpoint records.
UTM_FIELDS = ("campaign_id", "source_id", "medium_id")
# Lifecycle stages at or after the lead milestone, and at or after the
# opportunity milestone (W-shaped attribution).
LEAD_MILESTONE_STAGES = ("lead", "mql", "sal", "sql", "customer")
OPPORTUNITY_MILESTONE_STAGES = ("sql", "customer")

# ------------------------------------------------------------
# Messaging and materials
# ------------------------------------------------------------

REACTIONS = [
    ("resonated", "Resonated"),
    ("neutral", "Neutral"),
    ("objection", "Objection"),
]
OBJECTIONS = [
    ("price", "Price"),
    ("timing", "Timing"),
    ("competitor", "Competitor"),
    ("no_need", "No need"),
    ("authority", "No authority"),
    ("other", "Other"),
]
CONTENT_KINDS = [
    ("white_paper", "White paper"),
    ("presentation", "Presentation"),
    ("testimonial", "Customer testimonial"),
    ("demo", "Product demonstration"),
    ("case_study", "Case study"),
    ("data_sheet", "Data sheet"),
]
BUYING_STAGES = [
    ("early", "Early"),
    ("evaluation", "Evaluation"),
    ("decision", "Decision"),
]
CONTENT_STATES = [
    ("draft", "Draft"),
    ("published", "Published"),
    ("retired", "Retired"),
]
ACCESS_ORIGINS = [
    ("rep_share", "Shared by a rep"),
    ("nurture", "Nurture"),
    ("other", "Other"),
]
# A published item nobody shared nor opened for this long is "never used".
CONTENT_UNUSED_DAYS = 90

# ------------------------------------------------------------
# Nurturing
# ------------------------------------------------------------

NURTURE_ENTRY_STAGES = [
    ("nurture", "Nurture"),
    ("inquiry", "Inquiry"),
    ("both", "Nurture or Inquiry"),
]
NURTURE_WAIT_FROM = [
    ("previous", "After the previous step"),
    ("access", "After an access to the previous item"),
]
NURTURE_STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("exited", "Exited"),
]
NURTURE_EXIT_REASONS = [
    ("handoff", "Handed to sales"),
    ("replied", "Replied"),
    ("unsubscribed", "Unsubscribed or blacklisted"),
    ("bounced", "Bounced"),
    ("finished", "Track finished"),
    ("manual", "Moved by a person"),
]
# Lifecycle stages a running enrollment stays in; moving to a sales stage
# hands the lead to sales, to disqualified ends the track by a person's move.
NURTURE_KEEP_STAGES = ("inquiry", "lead", "nurture")
NURTURE_HANDOFF_STAGES = ("mql", "sal", "sql", "customer")
# What the prospect told us outweighs what we inferred: one explicit vote
# counts as many accesses.
NURTURE_EXPLICIT_FACTOR = 5


# Funnel and alignment dashboard
# ------------------------------------------------------------

# The funnel in its order: a lead has reached a stage when it moved into it
# or into any later one (crm.funnel.report). Nurture and disqualified are off it.
FUNNEL_STAGES = ("inquiry", "lead", "mql", "sal", "sql", "customer")
DASHBOARD_PERIODS = [
    ("month", "This month"),
    ("quarter", "This quarter"),
    ("year", "This year"),
    ("custom", "Custom"),
]
# Alignment maturity (paper 003)
MATURITY_STAGES = [
    (1, "Us versus Them"),
    (2, "Friendly role-playing"),
    (3, "Cooperative efforts"),
    (4, "Collaboration"),
    (5, "Complete alignment"),
]
