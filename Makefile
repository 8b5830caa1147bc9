# juesuan: two commands on a fresh machine (Python 3.11+ and the package registries):
#   make run    set up, then run the main job on the bundled sample data
#   make test   set up, then lint and run the test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSSTAMP := $(VENV)/.system-packages
DEB_PACKAGES := fonts-wqy-zenhei fonts-arphic-uming poppler-utils libreoffice-calc-nogui chromium

.PHONY: setup system-packages run test lint format bench bench-dashboard screenshots sample clean load

setup: $(STAMP)

# Debian packages: the CJK TrueType fonts the report factory embeds (sans, and a Song serif for the serif
# layout; real text layer), poppler for page images, LibreOffice Calc (headless) to turn factory workbooks
# into legacy .xls for the tests (no maintained .xls writer on PyPI), chromium for the dashboard's browser
# tests (Playwright drives /usr/bin/chromium; it never downloads a browser).
system-packages: $(SYSSTAMP)
$(SYSSTAMP):
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml $(SYSSTAMP)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $@

# One night of the Dagster pipeline against the sample portal (built on first use, served on 127.0.0.1 meanwhile).
WAREHOUSE_FILE = $${JUESUAN_DATA:-$(CURDIR)/data}/warehouse/juesuan.duckdb
run: setup
	$(VENV)/bin/juesuan run
	@echo
	@echo "Warehouse (open it read-only): $(WAREHOUSE_FILE)"
	@echo "Example queries (juesuan query opens it read-only; any DuckDB client works too):"
	@echo "  $(VENV)/bin/juesuan query \"SELECT status, count(*) AS documents FROM mart.documents WHERE is_current GROUP BY status ORDER BY status\""
	@echo "  $(VENV)/bin/juesuan query \"SELECT department, year, failing_rule_ids FROM mart.documents WHERE status = 'quarantined'\""
	@echo "  $(VENV)/bin/juesuan query \"SELECT year, county, department, amount_yuan FROM mart.report_amounts WHERE table_kind = 'expenditure' AND line_item = 'total' AND measure = 'total' ORDER BY amount_yuan DESC LIMIT 5\""
	@echo "Dashboard (read-only, http://127.0.0.1:8501): $(VENV)/bin/juesuan dashboard --warehouse $(WAREHOUSE_FILE)"
	@echo "Dagster UI (asset graph, checks, schedule, these runs): DAGSTER_HOME=$${JUESUAN_DATA:-$(CURDIR)/data}/dagster $(VENV)/bin/dagster dev -w workspace.yaml, then open http://127.0.0.1:3000"

test: setup lint
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# End-to-end sizes in factory reports: make bench BENCH_SIZES=24 for a quick run (default 100,500,2000).
bench: setup
	$(PY) -m pip install -q -e ".[dev,bench]"
	$(PY) benchmarks/run.py $(if $(BENCH_SIZES),--sizes $(BENCH_SIZES),)

# Load: four readers querying while 500 factory reports are ingested and published twice (CI runs a small count).
load: setup
	JUESUAN_LOAD_REPORTS=$${JUESUAN_LOAD_REPORTS:-500} $(VENV)/bin/pytest -q -s tests/test_load.py

# Dashboard page load times (p50/p95) in chromium on a 2,000-report warehouse (see benchmarks/dashboard.py).
bench-dashboard: setup
	$(PY) benchmarks/dashboard.py

# Re-take the README's dashboard screenshots (docs/screenshots/) with the browser tests.
screenshots: setup
	JUESUAN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(VENV)/bin/pytest -q tests/test_dashboard.py -k "every_page or budget_page_shows or data_docs_page"

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
