# Odoo's own test runner (odoo --test-enable) runs the test modules imported
# here; test_suite_completeness.py fails when a test_*.py file is missing.
from . import test_billing
from . import test_channels
from . import test_concurrency
from . import test_constraints
from . import test_consumer_mixin
from . import test_counter_coverage
from . import test_delivery_warranty
from . import test_edit_orders
from . import test_external_api_example
from . import test_fuzz
from . import test_i18n
from . import test_integrity_api
from . import test_invoicing_queries
from . import test_lifecycle
from . import test_mail_intake
from . import test_matching_queries
from . import test_performance
from . import test_portal
from . import test_repair_entitlement
from . import test_security
from . import test_service_contract
from . import test_service_entitlement
from . import test_sla
from . import test_statement_pdf
from . import test_suite_completeness
from . import test_ui_tour
