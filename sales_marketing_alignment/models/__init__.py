from . import crm_lead
from . import crm_lead_definition_criterion
from . import crm_lead_lifecycle_history
from . import crm_lost_reason
from . import crm_purchase_trigger
from . import crm_quick_action
from . import crm_quick_action_usage
from . import utm_campaign
