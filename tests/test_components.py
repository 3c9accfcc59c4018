"""Components and replacements: a serial number's components (entered by
hand), the part a repair puts in place of one (kept in the serial's
history, with the new part's warranty), and a whole unit replaced by
another serial number that takes over its coverage."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import RepairEntitlementCase
from .test_integrity_api import IntegrityApiCase


class ComponentCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.battery = cls.env["product.product"].create(
            {
                "name": "Battery 4-cell",
                "type": "consu",
                "list_price": 90.0,
                "part_warranty_days": 180,
            }
        )
        cls.ssd = cls._create_product("SSD 512 GB")
        cls.ssd_lot = cls._create_lot("SSD-1", product=cls.ssd)

    def _component(self, user=None, **vals):
        return (
            self.env["service.lot.component"]
            .with_user(user or self.technician_user)
            .create({"lot_id": self.lot.id, "product_id": self.battery.id, **vals})
        )


class TestComponents(ComponentCase):
    def test_components_by_hand(self):
        battery = self._component()
        ssd = (
            self.env["service.lot.component"]
            .with_user(self.technician_user)
            .create({"lot_id": self.lot.id, "component_lot_id": self.ssd_lot.id})
        )
        self.assertEqual(ssd.product_id, self.ssd, "the serial's product")
        self.assertEqual(self.lot.component_ids, battery | ssd)
        self.assertEqual(battery.state, "installed")
        self.assertEqual(battery.installed_on, self.today)
        self.assertEqual(
            self.lot.with_user(self.desk_user).component_ids, battery | ssd
        )
        # Found by product or serial, as a part line's Replaces looks them up
        # (and without a warning in the log).
        Component = self.env["service.lot.component"].with_user(self.technician_user)
        with self.assertNoLogs("odoo.models", "WARNING"):
            self.assertEqual(
                Component.name_search("SSD-1", [("lot_id", "=", self.lot.id)]),
                [(ssd.id, ssd.display_name)],
            )
            found = Component.name_search("Battery", [("lot_id", "=", self.lot.id)])
        self.assertEqual([row[0] for row in found], battery.ids)
        with self.assertRaises(AccessError):
            self._component(user=self.desk_user)
        for vals, message in (
            ({"component_lot_id": self.lot.id, "product_id": self.laptop.id}, "itself"),
            ({"component_lot_id": self.ssd_lot.id}, "serial number of SSD"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(ValidationError, message),
            ):
                self._component(**vals)
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            battery.with_user(self.technician_user).state = "replaced"
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            self._component(part_warranty_end=self.today)
        battery.with_user(self.manager_user).unlink()

    def test_repair_replaces_a_component(self):
        old = self._component()
        other_lot = self._component(lot_id=self.lot2.id)

        def part(line_type, component):
            return Command.create(
                {
                    "product_id": self.battery.id,
                    "product_uom_qty": 1,
                    "quantity": 1,
                    "repair_line_type": line_type,
                    "replaced_component_id": component.id,
                }
            )

        for line_type, component, message in (
            ("remove", old, "only a part added"),
            ("add", other_lot, "not a component"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self._create_repair(move_ids=[part(line_type, component)])
                self.env.flush_all()
            self.env.invalidate_all()
        repair = self._create_repair(move_ids=[part("add", old)])
        self.assertEqual(old.state, "installed", "not before the repair is done")
        self._finish(repair)
        new = old.replaced_by_id
        self.assertEqual(
            (old.state, old.replaced_on, old.replaced_repair_id),
            ("replaced", self.today, repair),
        )
        self.assertEqual(
            (new.state, new.product_id, new.installed_repair_id, new.installed_on),
            ("installed", self.battery, repair, self.today),
        )
        self.assertEqual(new.part_warranty_end, self.today + timedelta(days=180))
        self.assertEqual(new.replacement_of_ids, old)
        # The serial's history: both components, and the repair.
        self.assertEqual(self.lot.component_ids, old | new)
        self.assertIn(repair, self.lot.service_repair_ids)
        with self.assertRaisesRegex(UserError, "history"):
            old.with_user(self.manager_user).unlink()
        # The new part fails within its part warranty: its replacement is
        # free, without an entitlement, on the preview and the quotation.
        Repair = self.env["repair.order"]
        lot_vals = {
            "partner_id": self.customer.id,
            "product_id": self.laptop.id,
            "lot_id": self.lot.id,
        }
        again = Repair.create({**lot_vals, "move_ids": [part("add", new)]})
        self.assertFalse(again.entitlement_id)
        self.assertEqual(again.cost_parts_amount, 90.0)
        self.assertEqual(again.cost_parts_covered, 90.0)
        self.assertIn("Part warranty: Battery 4-cell", again.entitlement_explanation)
        again.action_create_sale_order()
        self.assertEqual(again.sale_order_id.order_line.discount, 100.0)
        self.assertEqual(again.sale_order_id.amount_untaxed, 0.0)
        # Past it, the customer pays.
        late = Repair.create(
            {
                **lot_vals,
                "move_ids": [part("add", new)],
                "schedule_date": fields.Datetime.now() + timedelta(days=181),
            }
        )
        self.assertEqual(late.cost_parts_covered, 0.0)
        with self.assertRaisesRegex(UserError, "already replaced"):
            old._replace(self.battery, self.env["stock.lot"], repair, self.today)

    def test_part_warranty_frees_the_same_part_once(self):
        """The warranty of a part a repair installed frees that part, one
        for one: not another product, not three of it; and the part stays
        in the serial it went into."""
        # No repair warranty: what follows is the part warranty's alone.
        self.env.company.repair_warranty_days = 0
        self.laptop.repair_warranty_days = 0
        old = self._component()
        first = self._create_repair(
            move_ids=[
                Command.create(
                    {
                        "product_id": self.battery.id,
                        "product_uom_qty": 1,
                        "quantity": 1,
                        "repair_line_type": "add",
                        "replaced_component_id": old.id,
                    }
                )
            ]
        )
        self._finish(first)
        new = old.replaced_by_id
        self.assertTrue(new.part_warranty_end)
        fan = self.env["product.product"].create(
            {"name": "Cooling fan", "type": "consu", "list_price": 40.0}
        )
        Repair = self.env["repair.order"]
        lot_vals = {
            "partner_id": self.customer.id,
            "product_id": self.laptop.id,
            "lot_id": self.lot.id,
        }
        other = Repair.create(
            {
                **lot_vals,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": fan.id,
                            "product_uom_qty": 1,
                            "repair_line_type": "add",
                            "replaced_component_id": new.id,
                        }
                    )
                ],
            }
        )
        self.assertEqual(other.cost_parts_covered, 0.0)
        self.assertNotIn("Part warranty", other.entitlement_explanation or "")
        other.action_create_sale_order()
        self.assertEqual(other.sale_order_id.order_line.discount, 0.0)
        with self.assertRaisesRegex(ValidationError, "One part replaces one"):
            Repair.create(
                {
                    **lot_vals,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": self.battery.id,
                                "product_uom_qty": 3,
                                "repair_line_type": "add",
                                "replaced_component_id": new.id,
                            }
                        )
                    ],
                }
            )
            self.env.flush_all()
        # Moved to another serial, from either side, the part and its
        # warranty stay where the repair put them.
        for user in (self.technician_user, self.manager_user):
            with self.assertRaisesRegex(AccessError, "follows the service flow"):
                new.with_user(user).lot_id = self.lot2
            with self.assertRaisesRegex(AccessError, "follows the service flow"):
                self.lot2.with_user(user).component_ids = [Command.link(new.id)]
        self.assertEqual(new.lot_id, self.lot)


class TestUnitReplacement(ComponentCase):
    def _replace(self, repair, new_lot, user=None):
        wizard = (
            self.env["service.unit.replace.wizard"]
            .with_user(user or self.technician_user)
            .create({"repair_id": repair.id, "new_lot_id": new_lot.id})
        )
        wizard.action_replace()

    def test_new_unit_takes_over_the_coverage(self):
        warranty = self._active_entitlement(lot_ids=[Command.set(self.lot.ids)])
        contract = self._active_entitlement(
            name="Gold",
            entitlement_type="service_contract",
            contract_line_ids=[
                Command.create({"lot_id": self.lot.id, "line_value": 600.0}),
                Command.create({"lot_id": self.lot2.id, "line_value": 600.0}),
            ],
        )
        new_lot = self._create_lot("LAP-0099")
        repair = self._create_repair()
        self._replace(repair, new_lot)
        self.assertEqual(warranty.lot_ids, new_lot)
        self.assertEqual(contract.lot_ids, new_lot | self.lot2)
        self.assertEqual(contract.contract_line_ids.lot_id, new_lot | self.lot2)
        self.assertEqual(new_lot.customer_id, self.customer)
        self.assertEqual(new_lot.warranty_date_end, self.lot.warranty_date_end)
        self.assertTrue(self.lot.service_defective)
        self.assertEqual(self.lot.replaced_by_lot_id, new_lot)
        self.assertEqual(new_lot.replacement_of_lot_ids, self.lot)
        self.assertEqual(repair.replacement_lot_id, new_lot)
        self.assertLogged(repair, "LAP-0041 replaced by LAP-0099")
        # A repair of the new unit is covered by the same warranty.
        self.assertEqual(self._create_repair(new_lot).entitlement_id, warranty)
        with self.assertRaisesRegex(UserError, "already replaced"):
            self._replace(repair, self._create_lot("LAP-0100"))

    def test_a_new_serial_number_typed_in(self):
        """The technician types the serial number of a unit not yet
        recorded: it is created, of the repaired unit's product."""
        warranty = self._active_entitlement(lot_ids=[Command.set(self.lot.ids)])
        repair = self._create_repair()
        wizard = (
            self.env["service.unit.replace.wizard"]
            .with_user(self.technician_user)
            .create({"repair_id": repair.id})
        )
        with self.assertRaisesRegex(UserError, "type its serial number"):
            wizard.action_replace()
        wizard.new_lot_name = " LAP-0777 "
        wizard.action_replace()
        new = repair.replacement_lot_id
        self.assertEqual((new.name, new.product_id), ("LAP-0777", self.laptop))
        self.assertEqual(warranty.lot_ids, new)

    def test_fresh_term_when_the_entitlement_says_so(self):
        template = self.env["service.entitlement.template"].create(
            {
                "name": "Two-year warranty",
                "duration": 2,
                "duration_unit": "year",
                "total_terms": 4,
                "replacement_fresh": True,
            }
        )
        warranty = self._active_entitlement(
            lot_ids=[Command.set(self.lot.ids)],
            template_id=template.id,
            replacement_fresh=True,
        )
        new_lot = self._create_lot("LAP-0099")
        self._replace(self._create_repair(), new_lot)
        self.assertEqual(warranty.state, "cancelled", "it covered that unit only")
        fresh = self.env["service.entitlement"].search([("lot_ids", "in", new_lot.ids)])
        self.assertEqual(fresh.state, "active")
        self.assertEqual(fresh.date_start, self.today)
        self.assertEqual(
            fresh.date_end,
            self.today.replace(year=self.today.year + 2) - timedelta(days=1),
        )
        self.assertEqual(fresh.total_terms, 4)
        self.assertEqual(new_lot.warranty_date_end, fresh.date_end)

    def test_bad_input_and_roles(self):
        repair = self._create_repair()
        other = self._create_lot("LAP-0500", customer=self.other_customer)
        loaner = self._create_lot(
            "LOAN-9",
            product=self._create_product("Loaner laptop", service_loaner=True),
        )
        covered = self._create_lot("LAP-0501")
        self._active_entitlement(lot_ids=[Command.set(covered.ids)], name="Other")
        for new_lot, message in (
            (self.lot, "cannot replace"),
            (other, "belongs to"),
            # The customer's other unit, a unit another entitlement covers.
            (self.lot2, "already in service"),
            (covered, "already in service"),
            # A loaner, a unit of another product.
            (loaner, "its own product"),
            (self.ssd_lot, "its own product"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(UserError, message),
            ):
                self._replace(repair, new_lot)
        for user in (self.desk_user, self.billing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._replace(repair, self._create_lot("LAP-0600"), user=user)
        self.assertFalse(self.lot.service_defective, "nothing saved")
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            self.lot.with_user(self.manager_user).service_defective = True


@tagged("post_install", "-at_install")
class TestReplacementOverExternalApi(IntegrityApiCase):
    """Technicians record components and replace units over XML-RPC; the
    desk reads components; nobody writes a replacement's history."""

    def test_roles(self):
        battery = self.env["product.product"].create(
            {"name": "Battery", "type": "consu"}
        )
        vals = {"lot_id": self.lot.id, "product_id": battery.id}
        for role in ("desk", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, "service.lot.component", "create", vals)
        component_id = self._call("tech", "service.lot.component", "create", vals)
        self.assertEqual(
            self._call(
                "desk", "service.lot.component", "read", [component_id], ["state"]
            )[0]["state"],
            "installed",
        )
        for role in ("tech", "manager"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "service.lot.component",
                    "write",
                    [component_id],
                    {"state": "replaced"},
                )
        # Nor from the other side of a relation, nor by a context default.
        other_lot = self.env["stock.lot"].create(
            {"name": "LAP-0778", "product_id": self.lot.product_id.id}
        )
        for role, written in (
            ("tech", {"component_ids": [(1, component_id, {"state": "replaced"})]}),
            (
                "tech",
                {
                    "component_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": battery.id,
                                "part_warranty_end": "2030-01-01",
                            },
                        )
                    ]
                },
            ),
            ("manager", {"replacement_of_lot_ids": [(4, other_lot.id)]}),
            (
                "desk",
                {
                    "loan_ids": [
                        (
                            0,
                            0,
                            {
                                "repair_id": self.adatum_repair.id,
                                "partner_id": self.adatum.id,
                                "company_id": self.env.company.id,
                                "state": "lent",
                                "lent_on": "2026-11-16 09:00:00",
                                "due_date": "2026-11-20",
                            },
                        )
                    ]
                },
            ),
        ):
            with self.subTest(role=role, fields=list(written)):
                self.assertRefused(role, "stock.lot", "write", [self.lot.id], written)
        self.assertRefused(
            "tech",
            "service.lot.component",
            "create",
            vals,
            context={"default_state": "replaced"},
        )
        self.env.invalidate_all()
        self.assertFalse(other_lot.replaced_by_lot_id)
        self.assertEqual(
            self.lot.component_ids.mapped("state"), ["installed"], "nothing written"
        )
        new_lot = self.env["stock.lot"].create(
            {"name": "LAP-0777", "product_id": self.lot.product_id.id}
        )
        wizard_vals = {"repair_id": self.adatum_repair.id, "new_lot_id": new_lot.id}
        for role in ("desk", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "service.unit.replace.wizard", "create", wizard_vals
                )
        self.assertRefused(
            "manager",
            "stock.lot",
            "write",
            [self.lot.id],
            {"service_defective": True},
        )
        wizard_id = self._call(
            "tech", "service.unit.replace.wizard", "create", wizard_vals
        )
        self._call("tech", "service.unit.replace.wizard", "action_replace", [wizard_id])
        self.env.invalidate_all()
        self.assertEqual(self.adatum_warranty.lot_ids, new_lot)
        self.assertTrue(self.lot.service_defective)
