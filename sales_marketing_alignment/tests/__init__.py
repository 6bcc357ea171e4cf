from . import test_crm_core
from . import test_feedback
from . import test_foundation
from . import test_lead_definition
from . import test_lifecycle
from . import test_quick_action
from . import test_sla
from . import test_tour
