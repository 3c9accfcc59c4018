"""docs/api.md's example ("Using it from another system"), run as written.

The example's ```python block is taken from the page, its URL, DB, USER,
PASSWORD and SERIAL lines get this test's server, database, user and serial
number, and it runs over XML-RPC against the test server, so the page can
never go stale.
"""

import re
from pathlib import Path

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RepairEntitlementCase

API_PAGE = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def readme_example():
    text = API_PAGE.read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```$", text, re.M | re.S)
    if len(blocks) != 1:
        raise AssertionError(
            f"{API_PAGE.name} should hold one python block, not {blocks}"
        )
    return blocks[0]


@tagged("post_install", "-at_install")
class TestExternalApiExample(RepairEntitlementCase, HttpCase):
    def test_readme_example_runs_against_the_server(self):
        lot = self._create_lot("API-0001", customer=self.customer)
        warranty = self._active_entitlement(lot_ids=[Command.set(lot.ids)])
        login, password = "api_desk", "api-desk-password"
        new_test_user(
            self.env,
            login=login,
            password=password,
            groups="base.group_user,service_entitlement.group_service_desk",
        )
        settings = {
            "URL": self.base_url(),
            "DB": self.env.cr.dbname,
            "USER": login,
            "PASSWORD": password,
            "SERIAL": lot.name,
        }
        code = readme_example()
        for name, value in settings.items():
            code, count = re.subn(
                rf"^{name} = .*$", f"{name} = {value!r}", code, flags=re.M
            )
            self.assertEqual(count, 1, f"the example should set {name} once")
        printed = []
        namespace = {"print": lambda *args, **kw: printed.append(args)}
        # The server works in this test's transaction: let it see our records,
        # then read what it wrote.
        self.env.flush_all()
        exec(compile(code, str(API_PAGE), "exec"), namespace)
        self.env.invalidate_all()

        repair = self.env["repair.order"].search([("lot_id", "=", lot.id)])
        self.assertEqual(len(repair), 1, "the example creates one repair order")
        self.assertEqual(repair.entitlement_id, warranty)
        self.assertEqual(repair.partner_id, self.customer)
        self.assertEqual(namespace["repair"]["entitlement_coverage"], "covered")
        self.assertEqual(namespace["repair"]["entitlement_id"][0], warranty.id)
        self.assertIn(lot.name, namespace["repair"]["entitlement_explanation"])
        self.assertEqual(namespace["entitlement"]["remaining_terms"], 3)
        self.assertTrue(printed, "the example prints what it found")
