from . import crm_lead_handoff_reject
from . import crm_quick_action_apply
from . import crm_message_tag
from . import crm_content_share_wizard
