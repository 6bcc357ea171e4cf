from . import crm_feedback_report
