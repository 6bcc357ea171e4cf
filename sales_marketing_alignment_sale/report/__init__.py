from . import crm_attribution_report
