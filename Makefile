# Run and test service_entitlement against a local Odoo 18.0 and PostgreSQL.
# Odoo is an importable `odoo` package for $(PYTHON), or the source tree in ODOO_SRC.
PYTHON ?= python3

.PHONY: run test lint check-install

run:
	@$(PYTHON) tools/devtool.py run

test:
	@$(PYTHON) tools/devtool.py test $(PYTEST_ARGS)

lint:
	pre-commit run --all-files --show-diff-on-failure

check-install:
	@$(PYTHON) tools/devtool.py check-install
