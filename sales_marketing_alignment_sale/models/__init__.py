from . import sale_order
from . import utm_campaign
