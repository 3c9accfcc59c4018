"""Every test module runs under Odoo's own test runner as well as pytest.

``odoo -i service_entitlement --test-enable`` (as OCA CI and runbot run it) only
runs the test modules that ``tests/__init__.py`` imports, while pytest finds
them by file name: a module left out of ``__init__.py`` would silently not run
under Odoo's runner.
"""

import ast
from pathlib import Path

from odoo.tests import BaseCase

TESTS_DIR = Path(__file__).resolve().parent


class TestSuiteCompleteness(BaseCase):
    def test_every_test_module_is_imported_by_the_package(self):
        tree = ast.parse((TESTS_DIR / "__init__.py").read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
            for alias in node.names
        }
        on_disk = {path.stem for path in TESTS_DIR.glob("test_*.py")}
        self.assertFalse(
            sorted(on_disk - imported),
            "tests/__init__.py must import these test modules, or Odoo's test "
            "runner never runs them",
        )
