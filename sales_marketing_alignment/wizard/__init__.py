from . import crm_lead_handoff_reject
from . import crm_quick_action_apply
