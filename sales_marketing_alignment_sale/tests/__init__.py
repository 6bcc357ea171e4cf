from . import test_sale_attribution
