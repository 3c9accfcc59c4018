# Run and test service_entitlement against a local Odoo 18.0 and PostgreSQL.
# Odoo is an importable `odoo` package for $(PYTHON), or the source tree in ODOO_SRC.
PYTHON ?= python3

.PHONY: run test lint check-install check-lifecycle stress

run:
	@$(PYTHON) tools/devtool.py run

test:
	@$(PYTHON) tools/devtool.py test -- $(PYTEST_ARGS)

lint:
	pre-commit run --all-files --show-diff-on-failure

check-install:
	@$(PYTHON) tools/devtool.py check-install

check-lifecycle:
	@$(PYTHON) tools/devtool.py check-lifecycle

# The race and property tests at full length (make test runs a short version).
stress:
	@SERVICE_ENTITLEMENT_RACE_ROUNDS=300 SERVICE_ENTITLEMENT_FUZZ_EXAMPLES=500 \
		$(PYTHON) tools/devtool.py test -- -k "Race or Fuzz"
