"""Service campaigns (recalls): a product's serial numbers added from a
list, a range or the receipts of a period; one action makes a repair
order per serial whose owner is known, once, covered by the campaign and
using none of the owner's entitlement terms; owners are told once by
email and see it on the portal; the campaign counts what is done."""

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from .common import RepairEntitlementCase
from .test_integrity_api import IntegrityApiCase


class CampaignCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "it@customer.example.com"
        cls.warranty = cls._active_entitlement(total_terms=1)
        cls.lot3 = cls._create_lot("LAP-0043")
        cls.campaign = (
            cls.env["service.campaign"]
            .with_user(cls.manager_user)
            .create(
                {
                    "name": "Battery recall 2026-B",
                    "product_id": cls.laptop.id,
                    "description": "<p>Replace the battery.</p>",
                }
            )
        )

    def _add(self, user=None, **vals):
        wizard = (
            self.env["service.campaign.add.wizard"]
            .with_user(user or self.manager_user)
            .create({"campaign_id": self.campaign.id, **vals})
        )
        wizard.action_confirm()
        return self.campaign.item_ids


class TestServiceCampaigns(CampaignCase):
    def test_serials_from_a_list_a_range_and_receipts(self):
        items = self._add(lot_ids=[Command.set(self.lot.ids)])
        self.assertEqual(items.lot_id, self.lot)
        self.assertEqual(items.partner_id, self.customer)
        items = self._add(mode="range", first="LAP-0041", last="LAP-0042")
        self.assertEqual(items.lot_id, self.lot | self.lot2, "none twice")
        # Received from a vendor on the frozen day.
        supplier = self.env.ref("stock.stock_location_suppliers")
        stock = self.env.ref("stock.stock_location_stock")
        move = self.env["stock.move"].create(
            {
                "name": "Receipt",
                "product_id": self.laptop.id,
                "product_uom_qty": 1,
                "product_uom": self.laptop.uom_id.id,
                "location_id": supplier.id,
                "location_dest_id": stock.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.move_line_ids.lot_id = self.lot3
        move.picked = True
        move._action_done()
        items = self._add(mode="received", date_from=self.today, date_to=self.today)
        self.assertEqual(items.lot_id, self.lot | self.lot2 | self.lot3)
        self.assertEqual(
            items.filtered(lambda i: i.lot_id == self.lot3).state, "no_owner"
        )
        self.assertEqual(self.campaign.item_count, 3)
        other = self._create_lot("SSD-1", product=self._create_product("SSD"))
        with self.assertRaisesRegex(UserError, "not of the campaign's product"):
            self._add(lot_ids=[Command.set(other.ids)])
        with self.assertRaisesRegex(UserError, "in order"):
            self._add(mode="range", first="LAP-0050", last="LAP-0001")

    def test_repairs_once_covered_by_the_campaign(self):
        self._add(lot_ids=[Command.set((self.lot | self.lot3).ids)])
        self.campaign.with_user(self.desk_user).action_create_repairs()
        item = self.campaign.item_ids.filtered(lambda i: i.lot_id == self.lot)
        repair = item.repair_id
        self.assertTrue(repair)
        self.assertFalse(
            self.campaign.item_ids.filtered(lambda i: i.lot_id == self.lot3).repair_id,
            "no owner, no repair",
        )
        self.assertEqual(repair.campaign_id, self.campaign)
        self.assertEqual(item.state, "open")
        self.assertEqual(repair.entitlement_coverage, "covered")
        self.assertIn(
            "Service campaign Battery recall 2026-B", repair.entitlement_explanation
        )
        self.assertTrue(repair.under_warranty)
        self.campaign.with_user(self.desk_user).action_create_repairs()
        self.assertEqual(
            self.env["repair.order"].search_count(
                [("campaign_item_id.campaign_id", "=", self.campaign.id)]
            ),
            1,
            "once",
        )
        self.env["stock.quant"]._update_available_quantity(
            self.laptop, repair.product_location_src_id, 1.0, lot_id=self.lot
        )
        self._finish(repair)
        self.assertEqual(self.warranty.remaining_terms, 1.0, "no terms used")
        ledger = self.env["service.entitlement.consumption"].search(
            [("repair_id", "=", repair.id)]
        )
        self.assertEqual(ledger.mapped("waiver"), ["campaign"])
        self.assertEqual(item.state, "done")
        self.assertEqual(self.campaign.done_count, 1)
        self.assertEqual(self.campaign.completion, 50.0)

    def test_owners_told_once_and_on_the_portal(self):
        self._add(lot_ids=[Command.set((self.lot | self.lot2).ids)])
        mails = self.env["mail.mail"].search([])
        self.campaign.with_user(self.desk_user).action_notify_owners()
        sent = self.env["mail.mail"].search([]) - mails
        self.assertEqual(len(sent), 2)
        self.assertIn("Battery recall 2026-B", sent[0].subject)
        self.assertTrue(all(self.campaign.item_ids.mapped("notified_on")))
        self.campaign.with_user(self.desk_user).action_notify_owners()
        self.assertEqual(self.env["mail.mail"].search([]) - mails, sent, "once")

    def test_bad_input_and_roles(self):
        with self.assertRaisesRegex(ValidationError, "not tracked by serial"):
            self.env["service.campaign"].with_user(self.manager_user).create(
                {"name": "Bad", "product_id": self.overage_product.id}
            )
        with self.assertRaises(AccessError):
            self.env["service.campaign"].with_user(self.desk_user).create(
                {"name": "Desk", "product_id": self.laptop.id}
            )
        with self.assertRaises(AccessError):
            self._add(user=self.desk_user, lot_ids=[Command.set(self.lot.ids)])
        with self.assertRaises(AccessError):
            self.campaign.with_user(self.technician_user).action_create_repairs()
        self._add(lot_ids=[Command.set(self.lot.ids)])
        item = self.campaign.item_ids
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            item.with_user(self.manager_user).partner_id = self.other_customer
        repair = self._create_repair()
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            repair.campaign_item_id = item


class TestCampaignsOverExternalApi(IntegrityApiCase):
    """Nobody writes a campaign's items or a repair's campaign; the portal
    user sees their items only."""

    def test_roles(self):
        campaign = self.env["service.campaign"].create(
            {"name": "Recall", "product_id": self.lot.product_id.id}
        )
        campaign._add_lots(self.lot)
        item = campaign.item_ids
        for role in ("desk", "tech", "billing", "manager", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "service.campaign.item",
                    "create",
                    {"campaign_id": campaign.id, "lot_id": self.fab_lot.id},
                )
                self.assertRefused(
                    role,
                    "repair.order",
                    "write",
                    [self.adatum_repair.id],
                    {"campaign_item_id": item.id},
                )
        self.assertRefused(
            "tech", "service.campaign", "action_create_repairs", [campaign.id]
        )
        self.assertRefused(
            "billing", "service.campaign", "action_notify_owners", [campaign.id]
        )
        # The portal user is Adatum's: it sees the item of Adatum's laptop.
        fab_item = campaign._add_lots(self.fab_lot)
        seen = self._call(
            "portal", "service.campaign.item", "search_read", [], ["lot_id"]
        )
        self.assertEqual([row["id"] for row in seen], item.ids)
        self.assertNotIn(fab_item.id, [row["id"] for row in seen])
        read = self._call("desk", "service.campaign", "read", [campaign.id], ["name"])
        self.assertEqual(read[0]["name"], "Recall")
