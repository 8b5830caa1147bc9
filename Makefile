# juesuan: two commands on a fresh machine (Python 3.11+ and the package registries):
#   make run    set up, then run the main job on the bundled sample data
#   make test   set up, then lint and run the test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSSTAMP := $(VENV)/.system-packages
DEB_PACKAGES := fonts-wqy-zenhei fonts-arphic-uming poppler-utils libreoffice-calc-nogui

.PHONY: setup system-packages run test lint format bench sample clean

setup: $(STAMP)

# Debian packages: the CJK TrueType fonts the report factory embeds (sans, and a Song serif for the serif
# layout; real text layer), poppler for page images, LibreOffice Calc (headless) to turn factory workbooks
# into legacy .xls for the tests (no maintained .xls writer on PyPI).
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
	@echo "Dagster UI (asset graph, checks, schedule, these runs): DAGSTER_HOME=$${JUESUAN_DATA:-$(CURDIR)/data}/dagster $(VENV)/bin/dagster dev -w workspace.yaml, then open http://127.0.0.1:3000"

test: setup lint
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup
	$(PY) -m pip install -q -e ".[dev,bench]"
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
