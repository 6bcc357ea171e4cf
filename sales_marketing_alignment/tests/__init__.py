from . import test_foundation
from . import test_crm_core
