"""Warranty claims to suppliers and what they pay back.  A repair of a
supplier defect under a supplier's warranty drafts a claim when it is
done: the parts at the vendor's price and the labour at its rate, for the
share its warranty pays.  The claim is sent by email with the printed
claim, accepted for an amount or rejected, and credited when the vendor's
credit note lines matched to it are posted; the recovery report gives each
vendor's claimed, accepted and recovered amounts and rate."""

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError

from .test_integrity_api import IntegrityApiCase
from .test_warranty_precedence import PrecedenceCase


class ClaimCase(PrecedenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contoso.email = "warranty@contoso.example.com"
        cls.contoso.service_claim_labour_rate = 40.0
        cls.supplier_layer.labor_percent = 50.0
        cls.battery = cls.env["product.product"].create(
            {"name": "Battery 4-cell", "type": "consu", "list_price": 90.0}
        )
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.contoso.id,
                "product_tmpl_id": cls.battery.product_tmpl_id.id,
                "price": 60.0,
            }
        )
        cls.billing_user.groups_id += cls.env.ref("account.group_account_invoice")

    def _repaired(self, fault=None, lot=None):
        repair = self._create_repair(
            lot=lot,
            fault_reason_id=(fault or self.defect).id,
            labor_hours=2.0,
            move_ids=[
                Command.create(
                    {
                        "product_id": self.battery.id,
                        "product_uom_qty": 1,
                        "quantity": 1,
                        "repair_line_type": "add",
                    }
                )
            ],
        )
        return self._finish(repair)

    def _send(self, claim, user=None):
        action = claim.with_user(user or self.desk_user).action_send()
        composer = (
            self.env["mail.compose.message"]
            .with_user(user or self.desk_user)
            .with_context(**action["context"])
            .create({})
        )
        composer.action_send_mail()

    def _decide(self, claim, user=None, **vals):
        wizard = (
            self.env["service.vendor.claim.decide.wizard"]
            .with_user(user or self.billing_user)
            .create({"claim_id": claim.id, **vals})
        )
        wizard.action_confirm()

    def _credit(self, claim, amount, ref="CN-7781", post=True, vendor=None):
        """A vendor credit note entered in Accounting, its line matched to
        ``claim`` by the billing clerk."""
        refund = self.env["account.move"].create(
            {
                "move_type": "in_refund",
                "partner_id": (vendor or self.contoso).id,
                "ref": ref,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": f"Claim {claim.name}",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        self.env["service.vendor.claim.match.wizard"].with_user(
            self.billing_user
        ).create(
            {
                "claim_id": claim.id,
                "line_ids": [Command.set(refund.invoice_line_ids.ids)],
            }
        ).action_confirm()
        if post:
            refund.action_post()
        return refund


class TestVendorClaims(ClaimCase):
    def test_drafted_at_the_vendors_terms_once(self):
        repair = self._repaired()
        claim = repair.vendor_claim_ids
        self.assertRecordValues(
            claim,
            [
                {
                    "vendor_id": self.contoso.id,
                    "lot_id": self.lot.id,
                    "layer_id": self.supplier_layer.id,
                    "causal_product_id": self.battery.id,
                    "parts_amount": 60.0,
                    "labour_hours": 2.0,
                    "labour_rate": 40.0,
                    "labour_amount": 40.0,
                    "amount_claimed": 100.0,
                    "state": "draft",
                }
            ],
        )
        self.assertTrue(claim.name.startswith("VCL/"))
        repair._vendor_claims_draft()
        self.assertEqual(repair.vendor_claim_ids, claim, "once")
        self.assertEqual(repair.vendor_claim_count, 1)
        self.assertEqual(
            repair.with_user(self.desk_user).action_vendor_claim()["res_id"], claim.id
        )

    def test_no_claim_without_a_supplier_defect_or_warranty(self):
        self.assertFalse(self._repaired(fault=self.wear).vendor_claim_ids)
        bare = self._create_lot("LAP-0900", customer=self.customer)
        repair = self._repaired(lot=bare)
        self.assertFalse(repair.vendor_claim_ids)
        with self.assertRaisesRegex(UserError, "no supplier's warranty"):
            repair.with_user(self.desk_user).action_vendor_claim()

    def test_sent_accepted_credited(self):
        claim = self._repaired().vendor_claim_ids
        self._send(claim)
        self.assertEqual(claim.state, "sent")
        self.assertEqual(claim.date_sent, self.today)
        sent = claim.message_ids.filtered(lambda m: m.partner_ids == self.contoso)
        self.assertEqual(len(sent), 1)
        self.assertTrue(sent.attachment_ids, "the printed claim is attached")
        with self.assertRaisesRegex(UserError, "at most what was claimed"):
            self._decide(claim, amount=150.0)
        with self.assertRaisesRegex(UserError, "why"):
            self._decide(claim, decision="rejected", reason=" ")
        self.assertEqual(claim.amount_due, 100.0, "claimed, not answered yet")
        self._decide(claim, amount=90.0)
        self.assertEqual((claim.state, claim.accepted_amount), ("accepted", 90.0))
        self.assertEqual(claim.amount_due, 90.0)
        # A first credit note pays part of it back, a second the rest.
        self._credit(claim, 50.0, ref="CN-1")
        self.assertEqual((claim.state, claim.credited_amount), ("accepted", 50.0))
        self.assertEqual(claim.amount_due, 40.0)
        second = self._credit(claim, 40.0, ref="CN-2")
        self.assertEqual(claim.state, "credited")
        self.assertEqual(claim.credited_amount, 90.0)
        self.assertEqual(claim.credit_reference, "CN-1, CN-2")
        self.assertEqual(claim.recovery_rate, 90.0)
        self.assertEqual(claim.amount_due, 0.0)
        # Its line stays matched; reset to draft, it counts no more.
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            second.invoice_line_ids.with_user(
                self.billing_user
            ).service_claim_id = False
        second.button_draft()
        self.assertEqual((claim.state, claim.credited_amount), ("accepted", 50.0))
        with self.assertRaisesRegex(UserError, "matched to"):
            claim.with_user(self.billing_user)._match_credit(second.invoice_line_ids)

    def test_a_matched_credit_note_stays_a_credit_note(self):
        """A draft vendor credit note matched to a claim cannot be switched
        into a vendor bill (nor moved to another vendor) and still count as
        the vendor's refund."""
        claim = self._repaired().vendor_claim_ids
        self._send(claim)
        self._decide(claim, amount=90.0)
        refund = self._credit(claim, 90.0, post=False)
        other = self.env["res.partner"].create({"name": "Northwind"})
        for vals in ({"move_type": "in_invoice"}, {"partner_id": other.id}):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, "credit note of Contoso"),
                self.env.cr.savepoint(),
            ):
                refund.with_user(self.billing_user).write(vals)
                self.env.flush_all()
        refund.invalidate_recordset()
        self.assertEqual(refund.move_type, "in_refund")
        refund.action_post()
        self.assertEqual(claim.state, "credited")

    def test_record_credit_note_from_the_claim(self):
        claim = self._repaired().vendor_claim_ids
        self._send(claim)
        self._decide(claim, amount=80.0)
        action = claim.with_user(self.billing_user).action_credit_note()
        refund = self.env["account.move"].browse(action["res_id"])
        self.assertRecordValues(
            refund,
            [
                {
                    "move_type": "in_refund",
                    "partner_id": self.contoso.id,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(refund.invoice_line_ids.service_claim_id, claim)
        self.assertEqual(refund.invoice_line_ids.price_unit, 80.0)
        refund.ref = "CN-99"
        refund.invoice_date = self.today
        refund.action_post()
        self.assertEqual(claim.state, "credited")

    def test_credit_notes_are_checked(self):
        claim = self._repaired().vendor_claim_ids
        with self.assertRaisesRegex(UserError, "only a sent or accepted"):
            self._credit(claim, 10.0, post=False)
        self._send(claim)
        other = self._create_partner("Litware Parts")
        with self.assertRaisesRegex(ValidationError, "credit note of Contoso"):
            self._credit(claim, 10.0, post=False, vendor=other)
        self._decide(claim, decision="rejected", reason="Damage, not a defect")
        self.assertEqual(claim.state, "rejected")
        with self.assertRaisesRegex(UserError, "is Rejected"):
            self._decide(claim, amount=10.0)

    def test_recovery_rate_by_vendor(self):
        first = self._repaired().vendor_claim_ids
        self.Layer.create(
            {
                "lot_id": self.lot2.id,
                "kind": "manufacturer",
                "supplier_id": self.contoso.id,
                "date_start": self.start,
                "date_end": self.end,
            }
        )
        repair = self._repaired(lot=self.lot2)
        second = repair.vendor_claim_ids
        self.assertEqual(second.amount_claimed, 60.0 + 80.0)
        for claim in first | second:
            self._send(claim)
        self._decide(first, amount=100.0)
        self._credit(first, 100.0)
        groups = self.env["service.vendor.claim"]._read_group(
            [("vendor_id", "=", self.contoso.id)],
            ["vendor_id"],
            ["amount_claimed:sum", "credited_amount:sum", "recovery_rate:avg"],
        )
        self.assertEqual(len(groups), 1)
        __, claimed, credited, rate = groups[0]
        self.assertEqual((claimed, credited), (240.0, 100.0))
        self.assertAlmostEqual(rate, 100.0 * 100.0 / 240.0, places=2)

    def test_the_desk_completes_a_draft(self):
        repair = self._repaired()
        claim = repair.vendor_claim_ids
        screen = self.env["product.product"].create(
            {"name": "Screen 14", "type": "consu"}
        )
        with self.assertRaisesRegex(UserError, "not a part"):
            claim.with_user(self.desk_user)._edit_draft(screen, "")
        wizard = (
            self.env["service.vendor.claim.edit.wizard"]
            .with_user(self.desk_user)
            .create({"claim_id": claim.id})
        )
        self.assertEqual(wizard.causal_product_id, self.battery)
        self.assertEqual(wizard.part_ids, self.battery)
        wizard.note = "Cell 3 swollen"
        wizard.action_confirm()
        self.assertEqual(claim.note, "Cell 3 swollen")
        with self.assertRaises(AccessError):
            claim.with_user(self.technician_user)._edit_draft(self.battery, "x")
        self._send(claim)
        with self.assertRaisesRegex(UserError, "cannot be edited"):
            claim.with_user(self.desk_user)._edit_draft(self.battery, "late")

    def _open_form(self, record, user):
        """What the web client reads to show ``record``'s form to ``user``."""
        Model = record.with_user(user)
        views = Model.get_views([(False, "form")])
        spec = {fname: {} for fname in views["models"][record._name]["fields"]}
        return Model.web_read(spec)[0]

    def test_the_desk_opens_claims(self):
        """The desk completes and sends claims: it opens the claim form,
        before and after the vendor's credit note (which it does not read),
        as do technicians and billing clerks."""
        claim = self._repaired().vendor_claim_ids
        for user in (self.desk_user, self.technician_user, self.billing_user):
            self.assertEqual(self._open_form(claim, user)["name"], claim.name)
        self._send(claim)
        self._decide(claim, amount=90.0)
        self._credit(claim, 90.0)
        seen = self._open_form(claim, self.desk_user)
        self.assertEqual(seen["credited_amount"], 90.0)
        self.assertNotIn("credit_line_ids", seen)
        self.assertTrue(self._open_form(claim, self.billing_user)["credit_line_ids"])

    def test_discard_a_draft(self):
        claim = self._repaired().vendor_claim_ids
        with self.assertRaises(AccessError):
            claim.with_user(self.billing_user).action_discard()
        claim.with_user(self.desk_user).action_discard()
        self.assertFalse(claim.exists())


class TestUnitAtVendor(ClaimCase):
    """The unit goes to the vendor by a delivery and comes back by a
    receipt (or a replacement does); the repair waits for a third party
    meanwhile."""

    def _at(self, lot):
        quants = lot.quant_ids.filtered(lambda q: q.quantity > 0)
        return quants.location_id

    def _sent(self):
        repair = self._confirm(self._create_repair(fault_reason_id=self.defect.id))
        stock = repair.product_location_src_id
        self.assertEqual(self._at(self.lot), stock)
        action = repair.with_user(self.desk_user).action_unit_to_vendor()
        claim = self.env["service.vendor.claim"].browse(action["res_id"])
        return repair, claim, stock

    def test_there_and_back(self):
        layers = len(self.lot.warranty_layer_ids)
        repair, claim, stock = self._sent()
        self.assertEqual(claim.unit_state, "at_vendor")
        self.assertEqual(claim.unit_out_picking_id.state, "done")
        self.assertEqual(claim.unit_out_picking_id.partner_id, self.contoso)
        self.assertEqual(self._at(self.lot), self.contoso.property_stock_supplier)
        self.assertTrue(repair.sla_hold_since)
        self.assertEqual(repair.hold_ids.reason_type, "third_party")
        self.assertEqual(repair.vendor_unit_claim_id, claim)
        with self.assertRaisesRegex(UserError, "at Contoso Components already"):
            claim._unit_send()
        # The desk's button on the repair, as the form shows it.
        action = repair.with_user(self.desk_user).action_unit_from_vendor()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.desk_user)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.claim_id, claim)
        wizard.action_confirm()
        self.assertEqual(claim.unit_state, "returned")
        self.assertEqual(self._at(self.lot), stock)
        self.assertFalse(repair.sla_hold_since, "the repair goes on")
        self.assertTrue(repair.hold_ids.date_end)
        self.assertEqual(
            len(self.lot.warranty_layer_ids), layers, "no new warranty for its return"
        )
        self.assertFalse(claim.causal_product_id, "no part known when it was sent")
        # The technician puts in the failed part and ends the repair: the
        # draft claim takes it, and its price.
        repair.move_ids = [
            Command.create(
                {
                    "product_id": self.battery.id,
                    "product_uom_qty": 1,
                    "quantity": 1,
                    "repair_line_type": "add",
                }
            )
        ]
        self._finish(repair)
        self.assertEqual(repair.vendor_claim_ids, claim, "the same claim")
        self.assertEqual(claim.causal_product_id, self.battery)
        self.assertEqual(claim.parts_amount, 60.0)

    def test_the_customers_own_unit_never_enters_our_stock(self):
        """A customer's unit, never received into stock: Confirm asks no
        question of availability, and to the vendor and back it moves no
        stock of ours (nothing below zero)."""
        unit = self._create_lot("LAP-0700", customer=self.customer)
        self.supplier_layer.copy({"lot_id": unit.id})
        repair = (
            self.env["repair.order"]
            .with_user(self.desk_user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.laptop.id,
                    "lot_id": unit.id,
                    "fault_reason_id": self.defect.id,
                }
            )
        )
        self.assertIs(repair.action_validate(), True, "no Insufficient Quantity")
        self.assertEqual(repair.state, "confirmed")
        action = repair.with_user(self.desk_user).action_unit_to_vendor()
        claim = self.env["service.vendor.claim"].browse(action["res_id"])
        self.assertEqual(claim.unit_state, "at_vendor")
        self.assertEqual(
            claim.unit_out_picking_id.location_id.usage,
            "customer",
            "from the customer's side",
        )
        self.env["service.vendor.unit.return.wizard"].with_user(self.desk_user).create(
            {"claim_id": claim.id}
        ).action_confirm()
        self.assertEqual(claim.unit_state, "returned")
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", unit.id), ("location_id.usage", "=", "internal")]
        )
        self.assertFalse(quants.filtered(lambda q: q.quantity < 0))
        self.assertEqual(sum(quants.mapped("quantity")), 0.0)

    def test_a_replacement_comes_back(self):
        repair, claim, stock = self._sent()
        wizard = (
            self.env["service.vendor.unit.return.wizard"]
            .with_user(self.desk_user)
            .create({"claim_id": claim.id, "replaced": True, "replacement_name": "X1"})
        )
        with self.assertRaisesRegex(UserError, "Only technicians"):
            wizard.action_confirm()
        wizard = (
            self.env["service.vendor.unit.return.wizard"]
            .with_user(self.technician_user)
            .create(
                {"claim_id": claim.id, "replaced": True, "replacement_name": "LAP-R1"}
            )
        )
        wizard.action_confirm()
        new = claim.replacement_lot_id
        self.assertEqual(new.name, "LAP-R1")
        self.assertEqual(self._at(new), stock)
        self.assertTrue(self.lot.service_defective)
        self.assertEqual(self.lot.replaced_by_lot_id, new)
        self.assertEqual(repair.replacement_lot_id, new)
        self.assertEqual(new.customer_id, self.customer)

    def test_who_sends_the_unit(self):
        repair = self._confirm(self._create_repair(fault_reason_id=self.defect.id))
        with self.assertRaises(AccessError):
            repair.with_user(self.billing_user).action_unit_to_vendor()
        bare = self._create_lot("LAP-0901", customer=self.customer)
        other = self._confirm(self._create_repair(lot=bare))
        # The form shows Send to Supplier only where there is a supplier.
        self.assertTrue(repair.vendor_warranty_layer_id.supplier_id)
        self.assertFalse(other.vendor_warranty_layer_id)
        with self.assertRaisesRegex(UserError, "nobody to send it to"):
            other.with_user(self.desk_user).action_unit_to_vendor()
        self.assertFalse(repair.vendor_claim_ids)


class TestVendorClaimsOverExternalApi(IntegrityApiCase):
    """Claims are the flow's: nobody creates or edits them; the technician
    does not send them, the desk does not record the vendor's answer."""

    def test_roles(self):
        vals = {
            "name": "VCL/FAKE",
            "company_id": self.env.company.id,
            "vendor_id": self.adatum.id,
            "repair_id": self.adatum_repair.id,
            "lot_id": self.lot.id,
        }
        for role in ("desk", "tech", "billing", "manager", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, "service.vendor.claim", "create", vals)
        vendor = self.env["res.partner"].create({"name": "Contoso", "is_company": True})
        today = fields.Date.context_today(self.env["repair.order"])
        layer = self.env["service.warranty.layer"].create(
            {
                "lot_id": self.adatum_repair.lot_id.id,
                "kind": "manufacturer",
                "supplier_id": vendor.id,
                "date_start": today - relativedelta(months=11),
                "date_end": today + relativedelta(months=13),
            }
        )
        claim = self.env["service.vendor.claim"]._draft_for(self.adatum_repair, layer)
        for role, method in (
            ("tech", "action_send"),
            ("portal", "action_send"),
            ("billing", "action_discard"),
            ("desk", "action_credit_note"),
        ):
            with self.subTest(role=role, method=method):
                self.assertRefused(role, "service.vendor.claim", method, [claim.id])
        for role in ("desk", "billing", "manager"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "service.vendor.claim",
                    "write",
                    [claim.id],
                    {"accepted_amount": 1000.0},
                )
        for role in ("billing", "portal"):
            with self.subTest(role=role, method="action_unit_to_vendor"):
                self.assertRefused(
                    role,
                    "repair.order",
                    "action_unit_to_vendor",
                    [self.adatum_repair.id],
                )
        for role in ("tech", "billing", "portal"):
            with self.subTest(role=role, method="complete"):
                self.assertRefused(
                    role,
                    "service.vendor.claim.edit.wizard",
                    "create",
                    {"claim_id": claim.id},
                )
        self.assertRefused(
            "desk",
            "service.vendor.claim.decide.wizard",
            "create",
            {"claim_id": claim.id, "decision": "accepted", "amount": 1.0},
        )
        self.assertEqual(claim.state, "draft")
