from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import users

from .common import EntitlementCase


class TestRoles(EntitlementCase):
    """What each role may and may not do, acting as a user of that role."""

    freeze_time = "2026-03-01"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.entitlement = cls._create_entitlement()
        cls.entitlement.action_activate()
        cls.template = cls.env["service.entitlement.template"].create(
            {"name": "Basic", "total_terms": 2}
        )

    def _menu_ids(self):
        return set(self.env["ir.ui.menu"]._visible_menu_ids())

    @users("se_manager")
    def test_manager_defines_and_runs_entitlements(self):
        Entitlement = self.env["service.entitlement"]
        entitlement = Entitlement.create(
            self._entitlement_vals(date_start=date(2026, 4, 1))
        )
        entitlement.action_activate()
        self.assertEqual(entitlement.state, "waiting")
        entitlement.action_draft()
        entitlement.total_terms = 5
        active = self.entitlement.with_env(self.env)
        active.write({"total_terms": 6, "labor_coverage_percent": 50})
        self.assertEqual(active.remaining_terms, 6)
        active.action_cancel()
        self.env["service.entitlement.template"].create({"name": "Silver"})
        self.env["service.fault.reason"].create({"name": "Power surge"})
        menus = self._menu_ids()
        self.assertIn(
            self.env.ref("service_entitlement.service_entitlement_menu_config").id,
            menus,
        )
        self.assertIn(
            self.env.ref("service_entitlement.service_entitlement_menu").id, menus
        )

    @users("se_desk")
    def test_service_desk_reads_but_cannot_change_terms(self):
        entitlement = self.entitlement.with_env(self.env)
        self.assertEqual(entitlement.remaining_terms, 3)
        self.assertTrue(entitlement.lot_ids)
        # Notes and the responsible may be kept up to date...
        entitlement.description = "<p>Customer prefers on-site repairs</p>"
        # ...but not the terms, the coverage, or the status.
        with self.assertRaisesRegex(UserError, "Only an entitlement manager"):
            entitlement.total_terms = 30
        with self.assertRaisesRegex(UserError, "Only an entitlement manager"):
            entitlement.write({"lot_ids": [(5,)]})
        with self.assertRaisesRegex(UserError, "Only entitlement managers"):
            entitlement.action_cancel()
        with self.assertRaises(AccessError):
            self.env["service.entitlement"].create(self._entitlement_vals())
        with self.assertRaises(AccessError):
            entitlement.unlink()
        with self.assertRaises(AccessError):
            self.template.with_env(self.env).name = "Changed"
        with self.assertRaises(AccessError):
            self.env["service.fault.reason"].create({"name": "Dust"})
        self.assertTrue(self.env["repair.order"].has_access("create"))
        menus = self._menu_ids()
        self.assertIn(
            self.env.ref("service_entitlement.service_entitlement_menu_repairs").id,
            menus,
        )
        self.assertNotIn(
            self.env.ref("service_entitlement.service_entitlement_menu_config").id,
            menus,
        )

    @users("se_tech")
    def test_technician_only_reads(self):
        entitlement = self.entitlement.with_env(self.env)
        self.assertEqual(entitlement.state, "active")
        with self.assertRaises(AccessError):
            entitlement.description = "<p>Changed</p>"
        with self.assertRaises(AccessError):
            self.env["service.entitlement"].create(self._entitlement_vals())
        with self.assertRaises(AccessError):
            self.env["service.entitlement.template"].create({"name": "X"})
        self.assertTrue(self.env["repair.order"].has_access("write"))
        self.assertIn(
            self.env.ref("service_entitlement.service_entitlement_menu_repairs").id,
            self._menu_ids(),
        )

    @users("se_billing")
    def test_billing_clerk_reads_entitlements_and_repairs_only(self):
        entitlement = self.entitlement.with_env(self.env)
        self.assertEqual(entitlement.overage_price, 150)
        with self.assertRaises(AccessError):
            entitlement.write({"overage_price": 1})
        with self.assertRaises(AccessError):
            self.env["service.entitlement.consumption"].create(
                {"entitlement_id": entitlement.id, "quantity": 1}
            )
        self.assertTrue(self.env["repair.order"].has_access("read"))
        self.assertFalse(self.env["repair.order"].has_access("write"))
        self.assertTrue(self.env["account.move"].has_access("create"))
        menus = self._menu_ids()
        self.assertIn(
            self.env.ref("service_entitlement.service_entitlement_menu").id, menus
        )
        self.assertNotIn(
            self.env.ref("service_entitlement.service_entitlement_menu_repairs").id,
            menus,
        )

    @users("se_plain")
    def test_user_without_role_sees_nothing(self):
        with self.assertRaises(AccessError):
            self.env["service.entitlement"].search([])
        self.assertNotIn(
            self.env.ref("service_entitlement.service_entitlement_menu_root").id,
            self._menu_ids(),
        )
        # Fault reasons are reference data every employee may read.
        self.assertTrue(self.env["service.fault.reason"].search([]))

    def test_manager_implies_every_role(self):
        for xmlid in (
            "service_entitlement.group_service_desk",
            "service_entitlement.group_technician",
            "service_entitlement.group_billing_clerk",
        ):
            self.assertTrue(self.manager_user.has_group(xmlid), xmlid)


class TestMultiCompany(EntitlementCase):
    def test_entitlements_of_other_company_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        partner = self._create_partner("Local customer")
        foreign = (
            self.env["service.entitlement"]
            .with_company(other_company)
            .create(
                self._entitlement_vals(
                    partner_id=partner.id, lot_ids=[], company_id=other_company.id
                )
            )
        )
        self.env["service.entitlement.consumption"]._record(
            {"entitlement_id": foreign.id, "quantity": 1}
        )
        own = self._create_entitlement()
        Entitlement = self.env["service.entitlement"].with_user(self.manager_user)
        self.assertEqual(Entitlement.search([("id", "in", (own | foreign).ids)]), own)
        self.assertFalse(
            self.env["service.entitlement.consumption"]
            .with_user(self.manager_user)
            .search([("entitlement_id", "=", foreign.id)])
        )
        self.manager_user.company_ids |= other_company
        visible = Entitlement.with_context(
            allowed_company_ids=[self.company.id, other_company.id]
        ).search([("id", "in", (own | foreign).ids)])
        self.assertEqual(visible, own | foreign)
