from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from .common import EntitlementCase


class TestBadInput(EntitlementCase):
    """Bad input is refused with a clear message and nothing is saved."""

    def assertRefused(self, vals, message, exception=ValidationError):
        Entitlement = self.env["service.entitlement"].with_user(self.manager_user)
        before = Entitlement.search_count([])
        with self.assertRaisesRegex(exception, message):
            with self.env.cr.savepoint():
                Entitlement.create(self._entitlement_vals(**vals))
        self.assertEqual(Entitlement.search_count([]), before)

    def test_zero_or_negative_terms(self):
        self.assertRefused({"total_terms": 0}, "must be greater than zero")
        self.assertRefused({"total_terms": -2}, "must be greater than zero")

    def test_fractional_incidents(self):
        self.assertRefused({"total_terms": 2.5}, "whole number")
        entitlement = self._create_entitlement(allocation_type="hours", total_terms=2.5)
        self.assertEqual(entitlement.total_terms, 2.5)

    def test_end_before_start(self):
        self.assertRefused(
            {"date_start": date(2026, 5, 1), "date_end": date(2026, 4, 30)},
            "is before its start date",
        )

    def test_percent_out_of_range(self):
        self.assertRefused({"parts_coverage_percent": 101}, "between 0 and 100")
        self.assertRefused({"labor_coverage_percent": -1}, "between 0 and 100")

    def test_negative_overage_price(self):
        self.assertRefused({"overage_price": -0.01}, "cannot be negative")

    def test_serial_of_another_customer(self):
        foreign_lot = self._create_lot("LAP-0077", customer=self.other_customer)
        self.assertRefused(
            {"lot_ids": [Command.set(foreign_lot.ids)]},
            "LAP-0077 belongs to Fabrikam Inc",
        )

    def test_lot_cannot_change_hands_while_covered(self):
        self._create_entitlement()
        with self.assertRaisesRegex(ValidationError, "cannot be given to Fabrikam"):
            with self.env.cr.savepoint():
                self.lot.customer_id = self.other_customer
        self.assertEqual(self.lot.customer_id, self.customer)
        # A contact of the same company is fine.
        self.lot.customer_id = self.customer_contact

    def test_company_mismatch(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.manager_user.company_ids |= other_company
        foreign_partner = self._create_partner(
            "Local customer", company_id=other_company.id
        )
        self.assertRefused(
            {"partner_id": foreign_partner.id, "lot_ids": []},
            "Incompatible companies",
            exception=UserError,
        )
        foreign_product = self._create_product("Phone", company_id=other_company.id)
        self.assertRefused(
            {"product_ids": [Command.set(foreign_product.ids)], "lot_ids": []},
            "Incompatible companies",
            exception=UserError,
        )

    def test_warranty_dates_of_lot(self):
        with self.assertRaisesRegex(ValidationError, "cannot end before it starts"):
            with self.env.cr.savepoint():
                self.lot.write(
                    {
                        "warranty_date_start": date(2026, 5, 1),
                        "warranty_date_end": date(2026, 4, 1),
                    }
                )

    def test_template_bad_input(self):
        Template = self.env["service.entitlement.template"]
        base = {"name": "T", "total_terms": 3}
        for vals, message in [
            ({"total_terms": 0}, "must be positive"),
            ({"duration": 0}, "duration of a template must be positive"),
            ({"total_terms": 1.5}, "whole numbers"),
            ({"parts_coverage_percent": 120}, "between 0 and 100"),
            ({"overage_price": -5}, "cannot be negative"),
        ]:
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(ValidationError, message):
                    with self.env.cr.savepoint():
                        Template.create({**base, **vals})
        self.assertFalse(Template.search([("name", "=", "T")]))


class TestLedgerIsAppendOnly(EntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.entitlement = cls._create_entitlement()
        cls.row = cls.env["service.entitlement.consumption"]._record(
            {"entitlement_id": cls.entitlement.id, "quantity": 1}
        )

    def test_ledger_cannot_be_edited_or_deleted(self):
        with self.assertRaisesRegex(UserError, "append-only"):
            self.row.write({"quantity": 0})
        with self.assertRaisesRegex(
            UserError, "append-only|belongs to the service flow"
        ):
            self.row.unlink()
        self.assertEqual(self.row.quantity, 1)
        self.assertEqual(self.entitlement.used_terms, 1)

    @mute_logger("odoo.sql_db")
    def test_reversal_only_once_and_needs_origin(self):
        Ledger = self.env["service.entitlement.consumption"]
        Ledger._record(
            {
                "entitlement_id": self.entitlement.id,
                "kind": "reversal",
                "reversed_id": self.row.id,
                "quantity": -1,
            }
        )
        with self.assertRaises(Exception) as caught:
            with self.env.cr.savepoint():
                Ledger._record(
                    {
                        "entitlement_id": self.entitlement.id,
                        "kind": "reversal",
                        "reversed_id": self.row.id,
                        "quantity": -1,
                    }
                )
                self.env.flush_all()
        self.assertIn("reversal_once", str(caught.exception))
        with self.assertRaises(Exception) as caught:
            with self.env.cr.savepoint():
                Ledger._record(
                    {
                        "entitlement_id": self.entitlement.id,
                        "kind": "reversal",
                        "quantity": -1,
                    }
                )
                self.env.flush_all()
        self.assertIn("reversal_has_origin", str(caught.exception))

    @mute_logger("odoo.sql_db")
    def test_document_consumes_once_per_cycle(self):
        Ledger = self.env["service.entitlement.consumption"]
        repair = self.env["repair.order"].create(
            {"partner_id": self.other_customer.id, "product_id": self.laptop.id}
        )
        vals = {
            "entitlement_id": self.entitlement.id,
            "quantity": 1,
            "res_model": "repair.order",
            "res_id": repair.id,
            "cycle": 0,
        }
        Ledger._record(vals)
        with self.assertRaises(Exception) as caught:
            with self.env.cr.savepoint():
                Ledger._record(vals)
                self.env.flush_all()
        self.assertIn("consumption_once_per_cycle", str(caught.exception))
        # After a reset (next cycle) the document may consume again.
        Ledger._record({**vals, "cycle": 1})
        self.assertEqual(self.entitlement.used_terms, 3)
        self.assertEqual(
            Ledger.search([("repair_id", "=", repair.id)]).mapped("cycle"), [1, 0]
        )
