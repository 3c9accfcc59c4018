from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import FrozenClock


@tagged("post_install", "-at_install")
class TestServiceDeskTour(FrozenClock, HttpCase):
    """The service desk's repair flow in the browser (headless Chromium)."""

    def _covered_serial(self, prefix):
        """A customer, a serial-numbered laptop of theirs and an active
        three-incident warranty covering it: (customer, product, lot,
        warranty)."""
        env = self.env
        customer = env["res.partner"].create(
            {"name": f"{prefix} Customer", "is_company": True}
        )
        product = env["product.product"].create(
            {
                "name": f"{prefix} Laptop",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        lot = env["stock.lot"].create(
            {
                "name": f"{prefix.upper()}-0001",
                "product_id": product.id,
                "customer_id": customer.id,
            }
        )
        start = fields.Date.context_today(env["repair.order"]) - relativedelta(days=10)
        entitlement = env["service.entitlement"].create(
            {
                "name": f"{prefix} warranty",
                "partner_id": customer.id,
                "date_start": start,
                "date_end": start + relativedelta(years=1),
                "total_terms": 3,
                "lot_ids": [Command.set(lot.ids)],
            }
        )
        entitlement.action_activate()
        return customer, product, lot, entitlement

    def test_repair_shows_entitlement_and_consumes(self):
        env = self.env
        __, product, lot, entitlement = self._covered_serial("Tour")
        env["stock.quant"]._update_available_quantity(
            product, env.ref("stock.stock_location_stock"), 1.0, lot_id=lot
        )
        new_test_user(
            env,
            login="tour_desk",
            password="tour_desk",
            groups="base.group_user,service_entitlement.group_service_desk",
        )
        self.start_tour(
            "/odoo/action-repair.action_repair_order_tree",
            "service_entitlement_repair_tour",
            login="tour_desk",
        )
        self.assertEqual(entitlement.remaining_terms, 2)
        self.assertEqual(len(entitlement.consumption_ids), 1)

    def test_counter_goodwill_hold_and_share(self):
        """The desk sees the customer's share, grants goodwill and puts the
        repair on hold, in the browser."""
        env = self.env
        customer, product, lot, entitlement = self._covered_serial("Counter")
        keyboard, paste = env["product.product"].create(
            [
                {
                    "name": "Counter keyboard",
                    "type": "consu",
                    "list_price": 40,
                    "taxes_id": [Command.clear()],
                },
                {
                    "name": "Cooling paste",
                    "type": "consu",
                    "list_price": 15,
                    "taxes_id": [Command.clear()],
                    "entitlement_never_covered": True,
                },
            ]
        )
        repair = env["repair.order"].create(
            {
                "partner_id": customer.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": part.id,
                            "product_uom_qty": 1,
                            "repair_line_type": "add",
                        }
                    )
                    for part in (keyboard, paste)
                ],
            }
        )
        self.assertEqual(repair.entitlement_id, entitlement)
        new_test_user(
            env,
            login="counter_desk",
            password="counter_desk",
            groups="base.group_user,service_entitlement.group_service_desk",
        )
        self.start_tour(
            "/odoo/action-repair.action_repair_order_tree",
            "service_entitlement_counter_tour",
            login="counter_desk",
        )
        self.assertEqual(repair.entitlement_decision, "goodwill")
        self.assertEqual(repair.entitlement_decision_reason, "Loyal customer")
        self.assertEqual(repair.hold_ids.reason, "Screen ordered")
        self.assertTrue(repair.hold_ids.date_end)
        self.assertFalse(repair.sla_hold_since)
