"""Odoo's own buttons on the add-on's documents, pressed by the role that
uses them: a credit note or a duplicate of a service invoice equals it, a
sale order with a repair product makes a repair that goes through the flow,
and duplicating a repair, an entitlement, a contract or a serial number
gives a clean draft."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .test_billing import BillingCase
from .test_service_contract import ServiceContractCase

# What a credit note must give back of each line it reverses.
LINE_FIELDS = (
    "product_id",
    "quantity",
    "price_unit",
    "discount",
    "tax_ids",
    "account_id",
    "price_subtotal",
    "price_total",
)


class ReversalMixin:
    def _odoo_credit_note(self, invoice, user, modify=False):
        """Odoo's Credit Note button (the reversal wizard) on ``invoice``,
        as ``user``: the credit note it makes."""
        wizard = (
            self.env["account.move.reversal"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Customer claim"})
        )
        if modify:
            wizard.modify_moves()
        else:
            wizard.refund_moves()
        return wizard.new_move_ids

    def assertLinesEqual(self, credit, invoice):
        """The credit note's lines are the invoice's, one for one."""
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.amount_total, invoice.amount_total)
        self.assertEqual(credit.amount_untaxed, invoice.amount_untaxed)
        ours = credit.invoice_line_ids.sorted("sequence")
        theirs = invoice.invoice_line_ids.sorted("sequence")
        self.assertEqual(len(ours), len(theirs))
        for mine, original in zip(ours, theirs, strict=True):
            for fname in LINE_FIELDS:
                self.assertEqual(mine[fname], original[fname], fname)


@tagged("post_install", "-at_install")
class TestContractInvoiceCreditNote(ReversalMixin, ServiceContractCase):
    def _posted_invoice(self):
        contract = self._create_contract(date_start=date(2027, 7, 1))
        contract.with_user(self.manager_user).action_activate()
        invoice = self._invoice_due(date(2027, 7, 1))
        invoice.action_post()
        return contract, invoice

    def test_credit_note_equals_the_invoice_and_is_credited_once(self):
        """The billing clerk's Credit Note on a posted contract invoice gives
        back every line, with its service period; ending the contract later
        credits nothing of that period a second time."""
        with freeze_time("2027-07-01"):
            contract, invoice = self._posted_invoice()
            self.assertEqual(invoice.amount_untaxed, 300.0 + 180.0)
            credit = self._odoo_credit_note(invoice, self.billing_user)
            self.assertLinesEqual(credit, invoice)
            for line in credit.invoice_line_ids:
                original = invoice.invoice_line_ids.filtered(
                    lambda aml, line=line: aml.contract_line_id == line.contract_line_id
                )
                self.assertEqual(
                    (line.service_period_start, line.service_period_end),
                    (original.service_period_start, original.service_period_end),
                )
            credit.with_user(self.billing_user).action_post()
            self.assertEqual(credit.state, "posted")
        with freeze_time("2027-08-15"):
            contract.with_user(self.manager_user).action_cancel()
        # The period is credited already: no second credit note.
        self.assertFalse(contract.contract_line_ids.credit_move_id)
        refunds = self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(refunds, credit)

    def test_partial_credit_note_leaves_the_rest_to_credit(self):
        """A credit note of part of a line (edited before posting) is taken
        into account: ending the contract credits at most what is left."""
        with freeze_time("2027-07-01"):
            contract, invoice = self._posted_invoice()
            credit = self._odoo_credit_note(invoice, self.billing_user)
            # The clerk credits 250.00 of line A only: 50.00 are left of it.
            line_a = credit.invoice_line_ids.filtered(
                lambda aml: aml.price_subtotal == 300.0
            )
            credit.write(
                {
                    "invoice_line_ids": [
                        Command.update(line_a.id, {"price_unit": 250.0}),
                        *[
                            Command.delete(aml.id)
                            for aml in credit.invoice_line_ids - line_a
                        ],
                    ]
                }
            )
            credit.action_post()
        with freeze_time("2027-08-15"):
            contract.with_user(self.manager_user).action_cancel()
        credit_end = contract.contract_line_ids.credit_move_id
        # 16 August to 30 September by month parts: 151.61 of A, of which
        # 50.00 are left to credit, and 90.97 of B.
        self.assertEqual(credit_end.amount_untaxed, 50.0 + 90.97)
        self.assertEqual(credit.amount_untaxed, 250.0)
        # Never more than the invoice: 300.00 of A credited in all.
        a_credits = (credit | credit_end).invoice_line_ids.filtered(
            lambda aml: aml.contract_line_id == line_a.contract_line_id
        )
        self.assertEqual(sum(a_credits.mapped("price_subtotal")), 300.0)

    def test_duplicate_equals_the_invoice(self):
        """Odoo's Duplicate of a posted contract invoice: a draft with the
        same lines, not a period of the contract."""
        with freeze_time("2027-07-01"):
            __, invoice = self._posted_invoice()
            copy = invoice.with_user(self.billing_user).copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.amount_total, invoice.amount_total)
        for mine, original in zip(
            copy.invoice_line_ids.sorted("sequence"),
            invoice.invoice_line_ids.sorted("sequence"),
            strict=True,
        ):
            for fname in LINE_FIELDS:
                self.assertEqual(mine[fname], original[fname], fname)
            self.assertFalse(mine.service_period_start)

    def test_posted_line_reset_to_draft_stays_as_posted(self):
        """Reset to draft, a posted contract invoice keeps its lines: a
        credit note corrects it."""
        with freeze_time("2027-07-01"):
            __, invoice = self._posted_invoice()
        invoice.with_user(self.billing_user).button_draft()
        line = invoice.invoice_line_ids[:1]
        with self.assertRaisesRegex(UserError, "follows the service flow"):
            line.with_user(self.billing_user).write({"price_unit": 1.0})
        with self.assertRaisesRegex(UserError, "follows the service flow"):
            invoice.with_user(self.billing_user).write(
                {"invoice_line_ids": [Command.update(line.id, {"quantity": 9})]}
            )
        invoice.action_post()
        self.assertEqual(invoice.amount_untaxed, 300.0 + 180.0)


@tagged("post_install", "-at_install")
class TestOverageInvoiceCreditNote(ReversalMixin, BillingCase):
    def test_overage_credit_note_equals_the_invoice(self):
        warranty = self._warranty()
        repair = self._fourth_repair(warranty)
        line = warranty.billing_line_ids
        line.with_user(self.billing_user).action_create_invoices()
        invoice = line.invoice_id
        invoice.action_post()
        self.assertEqual(invoice.amount_total, 165.0)
        credit = self._odoo_credit_note(invoice, self.billing_user)
        self.assertLinesEqual(credit, invoice)
        self.assertEqual(line.state, "invoiced", "a draft credit note gives nothing")
        credit.with_user(self.billing_user).action_post()
        # Credited by Odoo's credit note: neither billed again nor credited a
        # second time when the repair gives its incident back.
        self.assertEqual(line.state, "credited")
        self.assertEqual(credit.invoice_line_ids.service_billing_credit_id, line)
        repair.action_repair_cancel()
        self.assertFalse(line.credit_line_ids)
        self.assertFalse(
            self.env["service.entitlement.billing.line"].search(
                [("partner_id", "=", self.customer.id), ("state", "=", "to_invoice")]
            )
        )


@tagged("post_install", "-at_install")
class TestSaleOrderRepair(BillingCase):
    """Odoo 18's Create Repair: confirming a sale order of such a product
    makes a confirmed repair; the add-on matches and consumes as Confirm
    does."""

    def test_sale_order_repair_consumes_its_entitlement(self):
        salesman = new_test_user(
            self.env,
            login="se_salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        # The laptop itself is sold as "to repair": one repair a unit.
        self.laptop.create_repair = True
        warranty = self._active_entitlement(
            product_ids=[Command.set(self.laptop.ids)], lot_ids=[]
        )
        order = (
            self.env["sale.order"]
            .with_user(salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.laptop.id, "product_uom_qty": 1}
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        repair = order.repair_order_ids
        self.assertEqual(len(repair), 1)
        self.assertEqual(repair.state, "confirmed")
        self.assertEqual(repair.entitlement_id, warranty)
        self.assertEqual(warranty.used_terms, 1)
        self.assertLedgerAgrees(warranty)
        # Cancelled from the order (quantity 0, by someone who may cancel
        # repairs, as in Odoo), its incident comes back.
        order.sudo().order_line.product_uom_qty = 0
        self.assertEqual(repair.state, "cancel")
        self.assertEqual(warranty.used_terms, 0)
        self.assertLedgerAgrees(warranty)

    def test_a_repair_created_confirmed_is_checked_as_confirm_checks(self):
        """Created as confirmed over the API, a repair of a blocked
        entitlement is refused as Confirm refuses it."""
        warranty = self._active_entitlement(
            total_terms=1, limit_policy="block", lot_ids=[]
        )
        self._confirm(self._create_repair())
        with self.assertRaisesRegex(UserError, warranty.name):
            self.env["repair.order"].with_user(self.desk_user).create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.laptop.id,
                    "lot_id": self.lot2.id,
                    "state": "confirmed",
                }
            )
        with self.assertRaisesRegex(UserError, "follows the service flow"):
            self.env["repair.order"].with_user(self.desk_user).create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.laptop.id,
                    "state": "done",
                }
            )


@tagged("post_install", "-at_install")
class TestDuplicates(BillingCase):
    """Odoo's Duplicate, as the role that uses it: a clean draft."""

    def test_duplicate_repair_is_a_clean_draft(self):
        warranty = self._active_entitlement()
        repair = self._confirm(self._create_repair())
        self.assertEqual(warranty.used_terms, 1)
        copy = repair.with_user(self.desk_user).copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.entitlement_id, warranty)
        self.assertFalse(copy.entitlement_consumption_ids)
        self.assertEqual(warranty.used_terms, 1, "a draft uses nothing")
        self._confirm(copy)
        self.assertEqual(warranty.used_terms, 2)
        self.assertLedgerAgrees(warranty)
        # A finished repair's copy starts afresh, without its repair warranty.
        self._finish(repair)
        self.assertTrue(repair.repair_warranty_end)
        again = repair.with_user(self.desk_user).copy()
        self.assertEqual(again.state, "draft")
        self.assertFalse(again.repair_warranty_end)

    def test_duplicate_entitlement_is_a_clean_draft(self):
        warranty = self._active_entitlement()
        self._confirm(self._create_repair())
        copy = warranty.with_user(self.manager_user).copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual((copy.used_terms, copy.remaining_terms), (0, 3))
        self.assertFalse(copy.consumption_ids)
        self.assertEqual(copy.lot_ids, warranty.lot_ids)
        self.assertLedgerAgrees(copy)

    def test_duplicate_serial_number(self):
        copy = self.lot.with_user(self.manager_user).copy({"name": "LAP-0099"})
        self.assertEqual(copy.product_id, self.lot.product_id)
        self.assertFalse(copy.entitlement_ids)
        self.assertFalse(copy.service_repair_ids)


@tagged("post_install", "-at_install")
class TestButtonsFollowRoles(BillingCase):
    def _form_arch(self, user):
        views = self.env["repair.order"].with_user(user).get_views([(False, "form")])
        return views["views"]["form"]["arch"]

    def test_quotation_button_for_who_may_sell(self):
        """Create Quotation makes a sale order: the desk, which may not,
        does not see it; a salesman does."""
        self.assertNotIn(
            'name="action_create_sale_order"', self._form_arch(self.desk_user)
        )
        salesman = new_test_user(
            self.env,
            login="se_sales_desk",
            groups="base.group_user,sales_team.group_sale_salesman,"
            "service_entitlement.group_service_desk",
        )
        self.assertIn('name="action_create_sale_order"', self._form_arch(salesman))

    def test_repair_buttons_for_who_may_work_repairs(self):
        """The billing clerk reads repairs: no button that would fail."""
        arch = self._form_arch(self.billing_user)
        for button in ("action_validate", "action_repair_start", "action_repair_end"):
            self.assertNotIn(f'name="{button}"', arch)
        self.assertIn('name="action_validate"', self._form_arch(self.desk_user))
