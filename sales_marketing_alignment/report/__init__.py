from . import crm_feedback_report
from . import crm_sla_report
from . import crm_score_report
from . import crm_attribution_report
from . import crm_message_report
from . import crm_rep_quality_report
from . import crm_alignment_deal_report
from . import crm_funnel_report
