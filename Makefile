# Run and test service_entitlement against a local Odoo 18.0 and PostgreSQL.
# The first `make run` or `make test` makes the environment: a virtual
# environment in VENV (.venv of the checkout), which sees the machine's
# packages; Odoo 18.0 cloned from ODOO_REPO (branch ODOO_BRANCH) into
# ODOO_CACHE and installed there when that environment cannot import it and
# ODOO_SRC names no source tree; the OCA wheels and the test tools.
VENV ?= .venv
PYTHON ?= $(VENV)/bin/python
# The interpreter that makes the virtual environment.
PYTHON3 ?= python3
export VENV

.PHONY: run reset test test-peers test-odoo lint check-lifecycle check-wheel check-setup check-fresh screenshots stress bench env

env:
	@$(PYTHON3) tools/bootstrap.py

run: env
	@$(PYTHON) tools/devtool.py run

# Drop the demo database: the next `make run` makes it afresh.
reset: env
	@$(PYTHON) tools/devtool.py reset

test: env
	@$(PYTHON) tools/devtool.py test -- $(PYTEST_ARGS)

# Odoo's own tests of repair (sale orders that create repairs included), of
# credit notes and reversals, and OCA contract's and product_warranty's, on a
# database where the add-on is installed: they pass unchanged.
test-peers: env
	@$(PYTHON) tools/devtool.py test-peers -- $(PYTEST_ARGS)

# The same suite with Odoo's own runner (odoo -i ... --test-enable), as OCA CI
# and runbot run it; ODOO_ARGS="--test-tags=..." picks tests.
test-odoo: env
	@$(PYTHON) tools/devtool.py test-odoo -- $(ODOO_ARGS)

lint:
	pre-commit run --all-files --show-diff-on-failure

check-lifecycle: env
	@$(PYTHON) tools/devtool.py check-lifecycle

# A fresh machine's set-up: an embedded PostgreSQL (pgserver) in an empty data
# folder, Odoo initialized in it.
check-setup: env
	@$(PYTHON) tools/devtool.py check-setup

# The pictures of README.md and the manual (static/description/), taken in
# headless Chromium from the demo that `make run` serves (DB, PORT).
screenshots: env
	@$(PYTHON) tools/screenshots.py --url http://127.0.0.1:$(or $(PORT),8069) --db $(or $(DB),service_entitlement_demo)

# `make run` on a fresh machine: an empty home and virtual environment, Odoo
# cloned from ODOO_REPO (a local clone will do) and installed, the embedded
# PostgreSQL; passes when the demo answers, then removes it all.
check-fresh:
	@$(PYTHON3) tools/devtool.py check-fresh

# Build the wheel odoo-addon-service_entitlement and install the add-on from it,
# with demo data, in a new virtual environment: the log must be clean.
check-wheel: env
	@$(PYTHON) tools/devtool.py check-wheel

# The race and property tests at full length (make test runs a short version),
# then the whole suite with the system clock (libfaketime, Debian package
# faketime) at a month, quarter and year end and on 29 February: the tests
# freeze one clock of their own, so the day they run on must not matter.
STRESS_DAYS ?= "2027-01-31 23:30:00" "2027-03-31 12:00:00" "2027-12-31 23:59:00" "2028-02-29 09:00:00"

stress: env
	@SERVICE_ENTITLEMENT_RACE_ROUNDS=300 SERVICE_ENTITLEMENT_FUZZ_EXAMPLES=500 \
		$(PYTHON) tools/devtool.py test -- -k "Race or Fuzz"
	@command -v faketime >/dev/null || { echo "make stress needs faketime (apt-get install faketime)"; exit 1; }
	@for day in $(STRESS_DAYS); do \
		echo "== the suite on $$day"; \
		faketime "$$day" $(PYTHON) tools/devtool.py test || exit 1; \
	done

# The benchmarks on throwaway databases; rewrites bench/RESULTS.md with the
# figures and a verdict per goal, at the goals' sizes, in about an hour on
# 2 cores; BENCH_ARGS="--size soak" runs the load tests for 5 minutes.
bench: env
	@$(PYTHON) bench/run.py $(BENCH_ARGS)
