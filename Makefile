# Run and test service_entitlement against a local Odoo 18.0 and PostgreSQL.
# Odoo is an importable `odoo` package for $(PYTHON), or the source tree in ODOO_SRC.
PYTHON ?= python3

.PHONY: run test test-peers test-odoo lint check-lifecycle check-wheel check-setup stress bench

run:
	@$(PYTHON) tools/devtool.py run

test:
	@$(PYTHON) tools/devtool.py test -- $(PYTEST_ARGS)

# Odoo's own tests of repair (sale orders that create repairs included), of
# credit notes and reversals, and OCA contract's and product_warranty's, on a
# database where the add-on is installed: they pass unchanged.
test-peers:
	@$(PYTHON) tools/devtool.py test-peers -- $(PYTEST_ARGS)

# The same suite with Odoo's own runner (odoo -i ... --test-enable), as OCA CI
# and runbot run it; ODOO_ARGS="--test-tags=..." picks tests.
test-odoo:
	@$(PYTHON) tools/devtool.py test-odoo -- $(ODOO_ARGS)

lint:
	pre-commit run --all-files --show-diff-on-failure

check-lifecycle:
	@$(PYTHON) tools/devtool.py check-lifecycle

# A fresh machine's set-up: an embedded PostgreSQL (pgserver) in an empty data
# folder, Odoo initialized in it.
check-setup:
	@$(PYTHON) tools/devtool.py check-setup

# Build the wheel odoo-addon-service_entitlement and install the add-on from it,
# with demo data, in a new virtual environment: the log must be clean.
check-wheel:
	@$(PYTHON) tools/devtool.py check-wheel

# The race and property tests at full length (make test runs a short version),
# then the whole suite with the system clock (libfaketime, Debian package
# faketime) at a month, quarter and year end and on 29 February: the tests
# freeze one clock of their own, so the day they run on must not matter.
STRESS_DAYS ?= "2027-01-31 23:30:00" "2027-03-31 12:00:00" "2027-12-31 23:59:00" "2028-02-29 09:00:00"

stress:
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
bench:
	@$(PYTHON) bench/run.py $(BENCH_ARGS)
