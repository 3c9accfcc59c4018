"""Every role, over Odoo's external API (XML-RPC), tries the writes that the
UI never offers: each is refused, and afterwards no balance, ledger row or
billing line has changed."""

import xmlrpc.client
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import FrozenClock


class IntegrityApiCase(FrozenClock, HttpCase):
    """Two customers, their entitlements, repairs and an overage to bill,
    and a user of each role, who call Odoo's external API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env
        today = fields.Date.context_today(env["repair.order"])
        cls.adatum = env["res.partner"].create(
            {"name": "Adatum Corporation", "is_company": True}
        )
        cls.adatum_contact = env["res.partner"].create(
            {"name": "Alex Adatum", "parent_id": cls.adatum.id}
        )
        cls.fabrikam = env["res.partner"].create(
            {"name": "Fabrikam Inc", "is_company": True}
        )
        laptop = env["product.product"].create(
            {
                "name": "Laptop Pro 14",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.overage_product = env["product.product"].create(
            {"name": "Out-of-warranty repair", "type": "service", "list_price": 150}
        )
        cls.lot = env["stock.lot"].create(
            {"name": "LAP-0041", "product_id": laptop.id, "customer_id": cls.adatum.id}
        )
        cls.fab_lot = env["stock.lot"].create(
            {
                "name": "FAB-0001",
                "product_id": laptop.id,
                "customer_id": cls.fabrikam.id,
            }
        )
        Entitlement = env["service.entitlement"]
        common = {
            "date_start": today - timedelta(days=30),
            "date_end": today + timedelta(days=300),
            "overage_product_id": cls.overage_product.id,
            "overage_price": 150.0,
        }
        cls.adatum_warranty = Entitlement.create(
            {
                **common,
                "name": "Adatum warranty",
                "partner_id": cls.adatum.id,
                "total_terms": 3,
                "lot_ids": [Command.set(cls.lot.ids)],
            }
        )
        cls.fabrikam_contract = Entitlement.create(
            {
                **common,
                "name": "Fabrikam contract",
                "partner_id": cls.fabrikam.id,
                "total_terms": 1,
                "limit_policy": "bill",
            }
        )
        (cls.adatum_warranty | cls.fabrikam_contract).action_activate()
        Repair = env["repair.order"]
        # Fabrikam used its one incident, and a second repair went to billing.
        cls.fab_repairs = Repair.create(
            [
                {"partner_id": cls.fabrikam.id, "product_id": laptop.id},
                {"partner_id": cls.fabrikam.id, "product_id": laptop.id},
            ]
        )
        for repair in cls.fab_repairs:
            repair._action_repair_confirm()
        cls.fab_open = Repair.create(
            {"partner_id": cls.fabrikam.id, "product_id": laptop.id}
        )
        cls.adatum_repair = Repair.create(
            {
                "partner_id": cls.adatum.id,
                "product_id": laptop.id,
                "lot_id": cls.lot.id,
            }
        )
        # The serial is in the repair location, as its receipt put it there.
        env["stock.quant"]._update_available_quantity(
            laptop, cls.adatum_repair.product_location_src_id, 1.0, lot_id=cls.lot
        )
        cls.billing_line = cls.fabrikam_contract.billing_line_ids
        assert len(cls.billing_line) == 1
        cls.ledger_row = cls.fabrikam_contract.consumption_ids[:1]
        groups = {
            "desk": "base.group_user,service_entitlement.group_service_desk",
            "tech": "base.group_user,service_entitlement.group_technician",
            "billing": "base.group_user,service_entitlement.group_billing_clerk",
            "manager": "base.group_user,service_entitlement.group_entitlement_manager",
        }
        cls.logins = {}
        for role, group_ids in groups.items():
            login = f"api_{role}"
            cls.logins[role] = new_test_user(env, login=login, groups=group_ids)
        cls.logins["portal"] = new_test_user(
            env,
            login="api_portal",
            groups="base.group_portal",
            partner_id=cls.adatum_contact.id,
        )

    # ------------------------------------------------------------------

    @mute_logger("odoo.http")
    def _call(self, role, model, method, *args, **kwargs):
        user = self.logins[role]
        uids = self.__dict__.setdefault("_uids", {})
        if role not in uids:
            uids[role] = self.xmlrpc_common.authenticate(
                self.env.cr.dbname, user.login, user.login, {}
            )
        uid = uids[role]
        self.assertEqual(uid, user.id, f"{role} could not log in")
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, user.login, model, method, list(args), kwargs
        )

    def assertRefused(self, role, model, method, *args, **kwargs):
        with self.assertRaises(
            xmlrpc.client.Fault, msg=f"{role} {model}.{method}{args} accepted"
        ):
            self._call(role, model, method, *args, **kwargs)

    def _snapshot(self):
        self.env.invalidate_all()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "SELECT id, used_terms, remaining_terms, total_terms "
            "FROM service_entitlement ORDER BY id"
        )
        balances = cr.fetchall()
        cr.execute(
            "SELECT id, quantity, overage_quantity, bill_overage "
            "FROM service_entitlement_consumption ORDER BY id"
        )
        ledger = cr.fetchall()
        cr.execute(
            "SELECT id, state, quantity, price_unit, is_cancelled "
            "FROM service_entitlement_billing_line ORDER BY id"
        )
        billing = cr.fetchall()
        cr.execute(
            "SELECT id, entitlement_id, entitlement_cycle, entitlement_decision, "
            "entitlement_decision_bill, entitlement_warning, "
            "finished_date, repair_warranty_end "
            "FROM repair_order ORDER BY id"
        )
        repairs = cr.fetchall()
        cr.execute("SELECT id, repeat_failure FROM stock_lot ORDER BY id")
        repairs += cr.fetchall()
        cr.execute(
            "SELECT id, state, sla_responded_at, sla_resolved_at, sla_missed, "
            "sla_hold_since, sla_held_hours FROM repair_order ORDER BY id"
        )
        repairs += cr.fetchall()
        cr.execute(
            "SELECT count(*) FROM account_move_line "
            "WHERE service_billing_line_id IS NOT NULL"
        )
        invoiced = cr.fetchall()
        cr.execute(
            "SELECT id, move_id, price_unit, quantity, service_billing_line_id, "
            "service_period_start, service_period_end, contract_line_id "
            "FROM account_move_line ORDER BY id"
        )
        invoiced += cr.fetchall()
        cr.execute(
            "SELECT id, specific_price, discount, date_start, date_end, "
            "last_date_invoiced, recurring_next_date, is_canceled, "
            "service_line_id FROM contract_line ORDER BY id"
        )
        contracts = cr.fetchall()
        cr.execute(
            "SELECT id, state, signed_by, signed_on, quote_sent, contract_id "
            "FROM service_entitlement ORDER BY id"
        )
        contracts += cr.fetchall()
        return balances, ledger, billing, repairs, invoiced, contracts


@tagged("post_install", "-at_install")
class TestIntegrityOverExternalApi(IntegrityApiCase):
    def test_no_role_moves_terms_or_money_outside_the_flow(self):
        before = self._snapshot()
        Ledger = "service.entitlement.consumption"
        Line = "service.entitlement.billing.line"
        warranty, contract = self.adatum_warranty, self.fabrikam_contract
        for role in ("desk", "tech", "billing", "manager", "portal"):
            with self.subTest(role=role):
                # The ledger: no row created, changed or deleted by hand.
                self.assertRefused(
                    role,
                    Ledger,
                    "create",
                    {"entitlement_id": warranty.id, "quantity": -5},
                )
                self.assertRefused(
                    role,
                    Ledger,
                    "create",
                    {
                        "entitlement_id": contract.id,
                        "quantity": 0,
                        "overage_quantity": 3,
                        "bill_overage": True,
                    },
                )
                self.assertRefused(
                    role, Ledger, "write", [self.ledger_row.id], {"quantity": 0}
                )
                self.assertRefused(role, Ledger, "unlink", [self.ledger_row.id])
                # Private methods of the add-on are not reachable remotely.
                self.assertRefused(
                    role,
                    Ledger,
                    "_record",
                    [{"entitlement_id": warranty.id, "quantity": -5}],
                )
                # Billing lines: none invented, none changed.
                self.assertRefused(
                    role,
                    Line,
                    "create",
                    {
                        "name": "Invented",
                        "consumption_id": self.ledger_row.id,
                        "entitlement_id": contract.id,
                        "partner_id": self.fabrikam.id,
                        "company_id": contract.company_id.id,
                        "currency_id": contract.company_id.currency_id.id,
                        "product_id": self.overage_product.id,
                        "quantity": 10,
                        "price_unit": 1000,
                    },
                )
                self.assertRefused(
                    role, Line, "write", [self.billing_line.id], {"price_unit": 1}
                )
                self.assertRefused(role, Line, "unlink", [self.billing_line.id])
                # The counters follow the ledger, for everyone.
                for vals in (
                    {"used_terms": 2},
                    {"remaining_terms": 500},
                    {"remaining_percent": 50},
                ):
                    self.assertRefused(
                        role, "service.entitlement", "write", [warranty.id], vals
                    )
                self.assertRefused(
                    role,
                    "service.entitlement",
                    "create",
                    {
                        "name": "Pre-used",
                        "partner_id": self.adatum.id,
                        "total_terms": 5,
                        "used_terms": -50,
                    },
                )
                self.assertRefused(
                    role,
                    "service.entitlement.channel.limit",
                    "create",
                    {
                        "entitlement_id": warranty.id,
                        "channel": "email",
                        "max_terms": 2,
                        "used_terms": -10,
                    },
                )
                # Nor are the reservations of terms anyone's to read or write.
                self.assertRefused(
                    role, "service.entitlement.reservation", "search_read", []
                )
                self.assertRefused(
                    role,
                    "service.entitlement.reservation",
                    "create",
                    {"entitlement_id": warranty.id, "quantity": -5},
                )
                # Entitlement terms belong to the manager.
                if role != "manager":
                    for vals in (
                        {"total_terms": 300},
                        {"active": False},
                        {"is_default": True},
                        {"state": "draft"},
                        {"threshold_alert_sent": True},
                    ):
                        self.assertRefused(
                            role, "service.entitlement", "write", [warranty.id], vals
                        )
                # A repair cannot use another customer's entitlement...
                self.assertRefused(
                    role,
                    "repair.order",
                    "write",
                    [self.fab_open.id],
                    {"entitlement_id": warranty.id},
                )
                self.assertRefused(
                    role,
                    "repair.order",
                    "create",
                    {
                        "partner_id": self.fabrikam.id,
                        "product_id": self.lot.product_id.id,
                        "entitlement_id": warranty.id,
                    },
                )
                # ...nor have its technical fields set.
                for vals in (
                    {"entitlement_cycle": 7},
                    {"entitlement_decision": "override"},
                    {"entitlement_decision_bill": True},
                    {"entitlement_warning": True},
                    # Goodwill is granted with a reason, through the flow.
                    {"entitlement_decision": "goodwill"},
                    {"entitlement_decision_reason": "Free"},
                    # The repair warranty comes from finishing a repair.
                    {"repair_warranty_end": "2099-12-31"},
                    {"finished_date": "2020-01-01"},
                    {"lot_repair_count": 5},
                    # Holds move the service level deadlines.
                    {"sla_held_hours": 100},
                    {"sla_hold_since": "2020-01-01 00:00:00"},
                ):
                    self.assertRefused(
                        role, "repair.order", "write", [self.adatum_repair.id], vals
                    )
                self.assertRefused(
                    role, "stock.lot", "write", [self.lot.id], {"repeat_failure": True}
                )
                self.assertRefused(
                    role,
                    "repair.order",
                    "create",
                    {
                        "partner_id": self.adatum.id,
                        "product_id": self.lot.product_id.id,
                    },
                    context={"default_entitlement_decision": "override"},
                )
        # The billing clerk cannot mark a line invoiced with a line of its own.
        self.assertRefused(
            "billing",
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": self.fabrikam.id,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Nothing",
                            "quantity": 1,
                            "price_unit": 0,
                            "service_billing_line_id": self.billing_line.id,
                        },
                    )
                ],
            },
        )
        self.assertEqual(self._snapshot(), before)

    def test_counter_decisions_belong_to_their_roles(self):
        """Goodwill is the desk's, holds the desk's and technicians',
        transfers the desk's; holds are recorded by the buttons only.  Over
        the API, the other roles are refused and nothing changes."""
        before = self._snapshot()
        repair, lot = self.adatum_repair.id, self.lot.id
        for role in ("desk", "tech", "billing", "manager", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "repair.order.hold",
                    "create",
                    {
                        "repair_id": repair,
                        "reason_type": "customer",
                        "reason": "Invented",
                        "user_id": self.logins[role].id,
                        "date_start": "2020-01-01 00:00:00",
                    },
                )
        for role in ("tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "repair.order", "action_entitlement_goodwill", [repair]
                )
                self.assertRefused(
                    role,
                    "service.entitlement.goodwill.wizard",
                    "create",
                    {"repair_id": repair, "reason": "Free"},
                )
                self.assertRefused(role, "stock.lot", "action_service_transfer", [lot])
                self.assertRefused(
                    role,
                    "service.lot.transfer.wizard",
                    "create",
                    {"lot_id": lot, "customer_id": self.fabrikam.id},
                )
        for role in ("billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, "repair.order", "action_sla_hold", [repair])
                self.assertRefused(
                    role,
                    "repair.order.hold.wizard",
                    "create",
                    {"repair_id": repair, "reason_type": "parts", "reason": "x"},
                )
        # The desk may transfer, but not to the owner the item already has.
        wizard = self._call(
            "desk",
            "service.lot.transfer.wizard",
            "create",
            {"lot_id": lot, "customer_id": self.adatum.id},
        )
        self.assertRefused(
            "desk", "service.lot.transfer.wizard", "action_confirm", [wizard]
        )
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self.lot.customer_id, self.adatum)

    def test_only_managers_block_service_items(self):
        for role in ("desk", "tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "stock.lot",
                    "write",
                    [self.lot.id],
                    {"service_blocked": "all"},
                )
        self.env.invalidate_all()
        self.assertEqual(self.lot.service_blocked, "none")
        self._call(
            "manager", "stock.lot", "write", [self.lot.id], {"service_blocked": "all"}
        )
        self.env.invalidate_all()
        self.assertEqual(self.lot.service_blocked, "all")

    def test_contract_prices_belong_to_managers(self):
        """Contract lines, their prices, the recurring invoicing they feed,
        the quote's signature and the price update are the managers'; the
        invoicing run is the billing clerks'.  Over the API the other roles
        are refused, and no price, line or invoice changes."""
        env = self.env
        contract = env["service.entitlement"].create(
            {
                "name": "Adatum service contract",
                "partner_id": self.adatum.id,
                "entitlement_type": "service_contract",
                "date_start": self.adatum_warranty.date_start,
                "date_end": self.adatum_warranty.date_end,
                "total_terms": 5,
                "invoice_period": "quarter",
                "invoice_prepaid": True,
                "contract_line_ids": [
                    Command.create({"lot_id": self.lot.id, "line_value": 1200.0})
                ],
            }
        )
        contract.action_activate()
        line = contract.contract_line_ids
        oca_line = line.contract_line_id
        invoice = env["service.entitlement"]._contract_invoice_due(
            contract.contract_id, fields.Date.context_today(contract)
        )
        self.assertEqual(len(invoice), 1)

        def prices():
            env.invalidate_all()
            env.cr.execute(
                "SELECT id, line_value, discount, date_start, date_end, "
                "credit_move_id, contract_line_id "
                "FROM service_entitlement_contract_line ORDER BY id"
            )
            rows = env.cr.fetchall()
            env.cr.execute(
                "SELECT id, specific_price, discount, date_start, date_end, "
                "is_canceled FROM contract_line ORDER BY id"
            )
            rows += env.cr.fetchall()
            env.cr.execute(
                "SELECT id, signed_by, quote_sent, contract_id, state "
                "FROM service_entitlement ORDER BY id"
            )
            rows += env.cr.fetchall()
            env.cr.execute("SELECT count(*) FROM account_move")
            return rows + env.cr.fetchall()

        before = prices()
        Line = "service.entitlement.contract.line"
        for role in ("desk", "tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, Line, "write", [line.id], {"line_value": 1})
                self.assertRefused(
                    role,
                    Line,
                    "create",
                    {"entitlement_id": contract.id, "lot_id": self.lot.id},
                )
                self.assertRefused(role, Line, "unlink", [line.id])
                self.assertRefused(
                    role, "service.entitlement.price.update.wizard", "create", {}
                )
        for role in ("desk", "tech"):
            with self.subTest(role=role):
                self.assertRefused(role, Line, "read", [line.id], ["line_value"])
                self.assertRefused(
                    role,
                    "service.entitlement",
                    "read",
                    [contract.id],
                    ["annual_amount"],
                )
                self.assertRefused(
                    role, "service.entitlement.contract.invoice.wizard", "create", {}
                )
        for role in ("desk", "tech", "billing", "manager", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "contract.line", "write", [oca_line.id], {"price_unit": 1}
                )
                self.assertRefused(
                    role,
                    "service.entitlement",
                    "write",
                    [contract.id],
                    {"signed_by": "Someone", "quote_sent": True},
                )
        # Even a manager cannot write what the invoicing keeps.
        self.assertRefused(
            "manager", Line, "write", [line.id], {"credit_move_id": invoice.id}
        )
        self.assertRefused(
            "manager", "service.entitlement", "write", [contract.id], {"contract_id": 0}
        )
        self.assertRefused(
            "manager",
            "service.entitlement",
            "write",
            [contract.id],
            {"lot_ids": [(6, 0, [])]},
        )
        self.assertEqual(prices(), before)
        # The manager's own way works over the API too.
        self._call("manager", Line, "write", [line.id], {"line_value": 1300.0})
        env.invalidate_all()
        self.assertEqual(oca_line.price_unit, 325.0)

    def test_contract_discounts_and_gain_loss_over_the_api(self):
        """Managers set a contract's discounts and labour cap; billing clerks
        read them and the gain/loss entries; the desk and technicians read
        neither; nobody writes a gain/loss entry, not even a manager."""
        env = self.env
        contract = self.fabrikam_contract
        Discount = "service.entitlement.contract.discount"
        GainLoss = "service.entitlement.gain.loss"
        vals = {
            "entitlement_id": contract.id,
            "discount_type": "labour",
            "starting_date": "2026-01-01",
            "discount": 10.0,
        }
        for role in ("desk", "tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, Discount, "create", vals)
                self.assertRefused(
                    role,
                    "service.entitlement",
                    "write",
                    [contract.id],
                    {"max_labour_unit_price": 1.0},
                )
        for role in ("desk", "tech", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, Discount, "search_read", [], ["discount"])
                self.assertRefused(role, GainLoss, "search_read", [], ["amount"])
                self.assertRefused(
                    role,
                    "service.entitlement",
                    "read",
                    [contract.id],
                    ["max_labour_unit_price"],
                )
        discount_id = self._call("manager", Discount, "create", vals)
        self._call(
            "manager",
            "service.entitlement",
            "write",
            [contract.id],
            {"max_labour_unit_price": 50.0},
        )
        self.assertEqual(
            self._call("billing", Discount, "read", [discount_id], ["discount"])[0][
                "discount"
            ],
            10.0,
        )
        self.assertRefused(
            "billing", Discount, "write", [discount_id], {"discount": 50.0}
        )
        entry = {
            "entitlement_id": contract.id,
            "partner_id": self.fabrikam.id,
            "company_id": contract.company_id.id,
            "currency_id": contract.currency_id.id,
            "date": "2026-01-01",
            "reason": "signed",
            "amount": 1000.0,
        }
        for role in ("desk", "tech", "billing", "manager", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, GainLoss, "create", entry)
        env.invalidate_all()
        self.assertFalse(
            env["service.entitlement.gain.loss"]
            .search([])
            .filtered(
                lambda e: e.amount == 1000.0 and e.date.isoformat() == "2026-01-01"
            )
        )

    def test_planned_repairs_are_made_by_managers(self):
        """Create Planned Repairs is the managers'; nobody marks a repair as
        planned or ties it to a contract line over the API."""
        for role in ("desk", "tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "service.entitlement.planned.wizard", "create", {}
                )
        wizard = self._call(
            "manager", "service.entitlement.planned.wizard", "create", {}
        )
        self._call(
            "manager", "service.entitlement.planned.wizard", "action_create", [wizard]
        )
        for role in ("desk", "tech", "manager"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "repair.order",
                    "write",
                    [self.fab_open.id],
                    {"planned_service": True},
                )
        # The suspension rule is the managers' too.
        contract = self.fabrikam_contract
        for role in ("desk", "tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "service.entitlement",
                    "write",
                    [contract.id],
                    {"planned_suspend_days": 5},
                )
        self._call(
            "manager",
            "service.entitlement",
            "write",
            [contract.id],
            {"planned_suspend_days": 5},
        )
        self.env.invalidate_all()
        self.assertEqual(contract.planned_suspend_days, 5)

    def test_repair_ratings_are_the_customers(self):
        """Nobody on staff writes a customer's rating of a repair over the
        API, nor the repair's last rating; only managers read the
        satisfaction report."""
        repair = self.fab_open
        rating = {
            "res_model_id": self.env["ir.model"]._get_id("repair.order"),
            "res_id": repair.id,
            "partner_id": self.fabrikam.id,
            "rating": 5.0,
            "consumed": True,
        }
        for role in ("desk", "tech", "billing", "manager"):
            with self.subTest(role=role):
                self.assertRefused(role, "rating.rating", "create", rating)
                self.assertRefused(
                    role, "repair.order", "write", [repair.id], {"rating_last_value": 5}
                )
        for role in ("desk", "tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "service.repair.rating.report", "search_read", [], ["rating"]
                )
        # The report has no rating of the fixture's repairs (a database
        # with demo data has a rated repair of its own).
        self.assertEqual(
            self._call(
                "manager",
                "service.repair.rating.report",
                "search_count",
                [("repair_id", "=", repair.id)],
            ),
            0,
        )
        self.env.invalidate_all()
        self.assertFalse(repair.sudo().rating_ids)

    def test_portal_user_sees_only_own_company(self):
        found = self._call(
            "portal", "service.entitlement", "search_read", [], fields=["name"]
        )
        self.assertEqual({e["id"] for e in found}, {self.adatum_warranty.id})
        self.assertRefused(
            "portal",
            "service.entitlement",
            "read",
            [self.fabrikam_contract.id],
            fields=["name"],
        )
        self.assertFalse(
            self._call(
                "portal",
                "service.entitlement.consumption",
                "search",
                [("entitlement_id", "=", self.fabrikam_contract.id)],
            )
        )
        self.assertRefused(
            "portal",
            "service.entitlement.billing.line",
            "search",
            [],
        )
        self.assertRefused(
            "portal", "repair.order", "read", [self.fab_open.id], fields=["name"]
        )

    def test_bypass_context_is_for_administrators_only(self):
        """A desk user cannot confirm a covered repair without consuming by
        sending the key that data imports use."""
        self._call(
            "desk",
            "repair.order",
            "action_validate",
            [self.adatum_repair.id],
            context={"service_entitlement_bypass": True},
        )
        self.env.invalidate_all()
        self.assertEqual(self.adatum_repair.state, "confirmed")
        self.assertEqual(self.adatum_warranty.remaining_terms, 2)
        self.assertEqual(len(self.adatum_repair.entitlement_consumption_ids), 1)

    def test_the_flow_itself_still_works_over_the_api(self):
        """What the service desk does in the UI works over the API too."""
        repair_id = self._call(
            "desk",
            "repair.order",
            "create",
            {
                "partner_id": self.adatum_contact.id,
                "product_id": self.lot.product_id.id,
                "lot_id": self.lot.id,
            },
        )
        [repair] = self._call(
            "desk",
            "repair.order",
            "read",
            [repair_id],
            fields=["entitlement_id", "entitlement_coverage"],
        )
        self.assertEqual(repair["entitlement_id"][0], self.adatum_warranty.id)
        self.assertEqual(repair["entitlement_coverage"], "covered")
        self._call("desk", "repair.order", "action_validate", [repair_id])
        self.env.invalidate_all()
        self.assertEqual(self.adatum_warranty.remaining_terms, 2)
