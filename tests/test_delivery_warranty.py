from odoo import Command

from .common import EntitlementCase


class TestDeliveryWarranty(EntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["service.entitlement.template"].create(
            {
                "name": "1-year hardware warranty",
                "entitlement_type": "warranty",
                "duration": 1,
                "duration_unit": "year",
                "total_terms": 3,
                "limit_policy": "bill",
                "excluded_fault_reason_ids": [Command.set(cls.accident.ids)],
                "parts_coverage_percent": 100,
                "labor_coverage_percent": 50,
                "overage_product_id": cls.overage_product.id,
            }
        )
        cls.laptop.warranty_template_id = cls.template
        cls.stock = cls.env.ref("stock.stock_location_stock")
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.new_lot = cls._create_lot("LAP-0099")
        cls.env["stock.quant"]._update_available_quantity(
            cls.laptop, cls.stock, 1.0, lot_id=cls.new_lot
        )

    def _deliver(self, lot, partner):
        picking = self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": self.env.ref("stock.picking_type_out").id,
                "location_id": self.stock.id,
                "location_dest_id": self.customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.laptop.name,
                            "product_id": self.laptop.id,
                            "product_uom_qty": 1,
                            "product_uom": self.laptop.uom_id.id,
                            "location_id": self.stock.id,
                            "location_dest_id": self.customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        self.assertEqual(picking.move_line_ids.lot_id, lot)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def _return(self, picking):
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1
        action = wizard.action_create_returns()
        returned = self.env["stock.picking"].browse(action["res_id"])
        returned.move_ids.picked = True
        returned.button_validate()
        self.assertEqual(returned.state, "done")

    def test_delivery_gives_the_serial_its_warranty_once(self):
        picking = self._deliver(self.new_lot, self.customer_contact)
        warranty = self.new_lot.entitlement_ids
        self.assertEqual(len(warranty), 1)
        today = picking.date_done.date()
        self.assertRecordValues(
            warranty,
            [
                {
                    "partner_id": self.customer.id,
                    "template_id": self.template.id,
                    "state": "active",
                    "entitlement_type": "warranty",
                    "total_terms": 3,
                    "date_start": today,
                    "limit_policy": "bill",
                    "labor_coverage_percent": 50,
                }
            ],
        )
        self.assertEqual(warranty.excluded_fault_reason_ids, self.accident)
        self.assertEqual(self.new_lot.customer_id, self.customer)
        self.assertEqual(self.new_lot.warranty_date_start, today)
        self.assertEqual(self.new_lot.warranty_date_end, warranty.date_end)

        # Re-delivery after a return makes no second warranty.
        self._return(picking)
        self._deliver(self.new_lot, self.customer)
        self.assertEqual(len(self.new_lot.entitlement_ids), 1)

    def test_products_without_warranty_or_serial_get_nothing(self):
        self.laptop.warranty_template_id = False
        self._deliver(self.new_lot, self.customer)
        self.assertFalse(self.new_lot.entitlement_ids)
        self.assertEqual(self.new_lot.customer_id, self.customer)

    def test_serial_sold_again_changes_owner(self):
        """Returned, then sold to someone else while the first warranty runs:
        the warranty (not transferable) stops covering it, and the new owner
        gets the product's warranty from the new delivery."""
        picking = self._deliver(self.new_lot, self.customer)
        warranty = self.new_lot.entitlement_ids
        self._return(picking)
        second = self._deliver(self.new_lot, self.other_customer)
        self.assertEqual(self.new_lot.customer_id, self.other_customer)
        self.assertEqual(warranty.state, "cancelled")
        fresh = self.new_lot.entitlement_ids - warranty
        self.assertRecordValues(
            fresh,
            [
                {
                    "partner_id": self.other_customer.id,
                    "state": "active",
                    "total_terms": 3,
                }
            ],
        )
        self.assertLogged(self.new_lot, second.name)
