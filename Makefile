# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
DEMO_DB ?= sales_marketing_alignment_demo
HTTP_PORT ?= 8069
LEADS ?= 100000
DASH_LEADS ?= 1000000
ODOO_ADDONS_PATH = $(shell $(PYTHON) tools/addons_path.py 2>/dev/null)

.PHONY: demo test bench pot check-odoo postgres wheel clean help

help:
	@echo "make demo   create or update '$(DEMO_DB)' with demo data and serve it at http://localhost:$(HTTP_PORT) (admin / admin)"
	@echo "make test   run every test on throwaway databases; ends with 'N passed, N failed'"
	@echo "make pot    regenerate sales_marketing_alignment/i18n/sales_marketing_alignment.pot with Odoo's exporter (throwaway database)"
	@echo "make bench  time scoring and routing of $(LEADS) generated leads against Odoo's own CRM features (make bench LEADS=20000),"
	@echo "           then the attribution report and campaign economics per model on $(LEADS) deals with 3 touchpoints each,"
	@echo "           then the Alignment dashboard's queries and a funnel plan over $(DASH_LEADS) leads with history (DASH_LEADS=100000)"
	@echo "make wheel  build both wheels (the addon and the Sales bridge) into dist/"

check-odoo:
	@$(PYTHON) tools/check_odoo.py

postgres:
	@bash tools/ensure_postgres.sh

demo: check-odoo postgres
	@if psql -d "$(DEMO_DB)" -tAc "SELECT 1 FROM ir_module_module WHERE name = 'sales_marketing_alignment' AND state = 'installed'" 2>/dev/null | grep -q 1; then \
		echo "Updating $(DEMO_DB)..."; \
		$(PYTHON) -m odoo -d "$(DEMO_DB)" --addons-path "$(ODOO_ADDONS_PATH)" -u sales_marketing_alignment --stop-after-init --max-cron-threads 0; \
	else \
		echo "Creating $(DEMO_DB) with demo data..."; \
		$(PYTHON) -m odoo -d "$(DEMO_DB)" --addons-path "$(ODOO_ADDONS_PATH)" -i sales_marketing_alignment --stop-after-init --max-cron-threads 0; \
	fi
	@echo "Serving Odoo at http://localhost:$(HTTP_PORT) (login admin / admin). Ctrl-C stops it."
	$(PYTHON) -m odoo -d "$(DEMO_DB)" --addons-path "$(ODOO_ADDONS_PATH)" --db-filter "^$(DEMO_DB)$$" --http-port $(HTTP_PORT)

test: check-odoo postgres
	@$(PYTHON) tools/run_tests.py

pot: check-odoo postgres
	@$(PYTHON) tools/export_pot.py

bench: check-odoo postgres
	@$(PYTHON) bench/bench_scoring.py --leads $(LEADS)
	@$(PYTHON) bench/bench_attribution.py --leads $(LEADS)
	@$(PYTHON) bench/bench_dashboard.py --leads $(DASH_LEADS)

# One wheel per addon, both from setup.py (SMA_ADDON picks the addon).
wheel:
	SMA_ADDON=sales_marketing_alignment $(PYTHON) -m pip wheel --no-deps -w dist .
	SMA_ADDON=sales_marketing_alignment_sale $(PYTHON) -m pip wheel --no-deps -w dist .

clean:
	rm -rf build dist *.egg-info .test-logs
