"""Built from the declarations: every field only the flow writes
(``flow_only=...`` on a field, ``_flow_only_declared`` on a model) and every
model the flow owns (``_flow_owned``) is tried by every role over Odoo's
external API: created with a value, created with a ``default_`` key of the
context, written, written from the other side of its relation, deleted.
A field declared later is covered by being declared."""

import xmlrpc.client
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.service_entitlement.models.ledger_guard import ledger_writer

from .common import FrozenClock
from .test_integrity_api import IntegrityApiCase

MODULE = "service_entitlement"
ROLES = ("desk", "tech", "billing", "manager", "portal")
# Kept by the ORM itself.
MAGIC_FIELDS = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date"})
# Values Odoo itself creates records with, which the add-on routes through
# its flow instead of refusing (see test_odoo_flows): a repair created as
# confirmed (by a sale order) is confirmed by Confirm's action.  The others
# are still refused.
ROUTED = {("repair.order", "state"): "done"}
# Rows that live only while a request is under way: tried on create.
NO_STANDING_ROWS = frozenset({"service.entitlement.reservation"})
# 1x1 PNGs, for image fields: the customer's signature, and a forged one.
PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEA"
    "wS2OUAAAAABJRU5ErkJggg=="
)
OTHER_PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ"
    "/pLvAAAAAElFTkSuQmCC"
)


@tagged("post_install", "-at_install")
class TestFlowOnlyDeclarations(IntegrityApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        today = fields.Date.context_today(env["service.entitlement"])
        # A service contract invoiced once, its invoice posted, its prices
        # updated: recurring lines, posted contract invoice lines, price
        # history.
        cls.contract = env["service.entitlement"].create(
            {
                "name": "Adatum service contract",
                "partner_id": cls.adatum.id,
                "entitlement_type": "service_contract",
                "date_start": today - timedelta(days=30),
                "date_end": today + timedelta(days=300),
                "total_terms": 5,
                "invoice_period": "quarter",
                "invoice_prepaid": True,
                "is_quote": True,
                "contract_line_ids": [
                    Command.create({"lot_id": cls.lot.id, "line_value": 1200.0})
                ],
            }
        )
        with ledger_writer():
            cls.contract.quote_sent = True
        cls.contract._quote_accept("Alex Adatum", PIXEL)
        invoice = env["service.entitlement"]._contract_invoice_due(
            cls.contract.contract_id, today
        )
        invoice.action_post()
        cls.contract._update_prices(5.0)
        env["service.entitlement.contract.discount"].create(
            {
                "entitlement_id": cls.contract.id,
                "discount_type": "labour",
                "discount": 10.0,
                "starting_date": today,
            }
        )
        # A channel limit, and a repair put on hold.
        env["service.entitlement.channel.limit"].create(
            {
                "entitlement_id": cls.adatum_warranty.id,
                "channel": "email",
                "max_terms": 2,
            }
        )
        cls.fab_open._sla_put_on_hold("parts", "Screen ordered")
        # A rating asked of the customer.
        with ledger_writer():
            cls.fab_open.sudo()._rating_get_access_token()
        # A loaner lent for a repair.
        loaner = env["product.product"].create(
            {
                "name": "Loaner Laptop",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "service_loaner": True,
            }
        )
        loaner_lot = env["stock.lot"].create(
            {"name": "LOAN-FLOW", "product_id": loaner.id}
        )
        env["stock.quant"]._update_available_quantity(
            loaner,
            env.ref("service_entitlement.stock_location_loaners"),
            1.0,
            lot_id=loaner_lot,
        )
        env["service.loaner.loan"]._lend(
            cls.fab_open, loaner_lot, today + timedelta(days=5)
        )
        # A component of a serial number.
        env["service.lot.component"].create(
            {"lot_id": cls.lot.id, "product_id": loaner.id}
        )
        # A serial's legal guarantee, from a statutory rule.
        with ledger_writer():
            env["service.warranty.layer"].create(
                {
                    "lot_id": cls.lot.id,
                    "kind": "statutory",
                    "date_start": today,
                    "date_end": today + timedelta(days=729),
                    "origin": "rule",
                    "rule_id": env.ref(
                        "service_entitlement.warranty_rule_eu_consumer"
                    ).id,
                }
            )
        # A claim to the supplier whose warranty a repair is under.
        vendor = env["res.partner"].create({"name": "Contoso", "is_company": True})
        supplier_layer = env["service.warranty.layer"].create(
            {
                "lot_id": cls.adatum_repair.lot_id.id,
                "kind": "manufacturer",
                "supplier_id": vendor.id,
                "date_start": today - timedelta(days=100),
                "date_end": today + timedelta(days=265),
            }
        )
        env["service.vendor.claim"]._draft_for(cls.adatum_repair, supplier_layer)
        # A service campaign with a serial number.
        campaign = env["service.campaign"].create(
            {"name": "Recall", "product_id": cls.lot.product_id.id}
        )
        campaign._add_lots(cls.lot)
        # A finished repair of a serial number, and a part it installed.
        done_lot = env["stock.lot"].create(
            {
                "name": "LAP-DONE",
                "product_id": cls.lot.product_id.id,
                "customer_id": cls.adatum.id,
            }
        )
        cls.done_repair = env["repair.order"].create(
            {
                "partner_id": cls.adatum.id,
                "product_id": done_lot.product_id.id,
                "lot_id": done_lot.id,
                "entitlement_id": False,
            }
        )
        env["stock.quant"]._update_available_quantity(
            done_lot.product_id,
            cls.done_repair.product_location_src_id,
            1.0,
            lot_id=done_lot,
        )
        cls.done_repair._action_repair_confirm()
        cls.done_repair.action_repair_start()
        cls.done_repair.action_repair_end()
        assert cls.done_repair.state == "done"
        with ledger_writer():
            cls.installed_part = env["service.lot.component"].create(
                {
                    "lot_id": done_lot.id,
                    "product_id": loaner.id,
                    "installed_repair_id": cls.done_repair.id,
                    "part_warranty_end": today + timedelta(days=90),
                }
            )
        # Another company, currency and journal to move things to.
        env["res.company"].create({"name": "Other Company"})
        env.flush_all()

    # ------------------------------------------------------------------

    def _declarations(self):
        """{model name: {field name: True or domain}} of every model with
        fields only the flow writes, and the models the flow owns."""
        declared = {}
        for name in self.env.registry:
            model = self.env[name]
            if model._abstract or model._transient or not model._auto:
                continue
            protected = model._flow_only_fields()
            if protected or model._flow_owned:
                declared[name] = protected
        return declared

    def _sample(self, model, condition=True):
        """A record of ``model`` that the declarations protect."""
        domain = [] if condition is True else condition
        record = self.env[model].sudo().with_context(active_test=False)
        return record.search(domain, order="id desc", limit=1)

    def _other_value(self, record, fname):
        """A value for ``fname`` that differs from what ``record`` holds, as
        a client would send it (None when there is no other value to give).
        On a new record, a computed field is taken as empty: what a client
        sends for it differs from that."""
        field = record._fields[fname]
        if not record.id and field.compute:
            current = field.convert_to_record(
                field.convert_to_cache(False, record, validate=False), record
            )
        else:
            current = record[fname]
        if field.type in ("many2one", "many2many", "one2many"):
            other = (
                self.env[field.comodel_name]
                .sudo()
                .with_context(active_test=False)
                .search([("id", "not in", current.ids)], limit=1)
            )
            if not other or field.type == "many2one":
                return other.id or None
            return [(6, 0, (current | other).ids)]
        if field.type == "selection":
            keys = [key for key, __ in field._description_selection(self.env)]
            return next(key for key in keys if key != current)
        other_value = {
            "boolean": lambda: not current,
            "integer": lambda: (current or 0) + 7,
            "float": lambda: (current or 0) + 7,
            "monetary": lambda: (current or 0) + 7,
            "char": lambda: f"{current or ''} forged",
            "text": lambda: f"{current or ''} forged",
            "html": lambda: f"{current or ''} forged",
            "date": lambda: fields.Date.to_string(
                (current or fields.Date.today()) + timedelta(days=400)
            ),
            "datetime": lambda: "2099-12-31 00:00:00",
            "binary": lambda: OTHER_PIXEL,
            "image": lambda: OTHER_PIXEL,
        }.get(field.type)
        return other_value() if other_value else None

    def _samples(self, declared):
        """{(model, field): (a record the declaration protects, a value it
        does not hold, a value a new record would not have, the condition of
        the declaration)}; the record is empty for models without standing
        rows."""
        samples = {}
        for model, protected in declared.items():
            for fname, condition in protected.items():
                if fname in MAGIC_FIELDS:
                    continue
                record = self._sample(model, condition)
                if model in NO_STANDING_ROWS:
                    record = record.browse()
                else:
                    self.assertTrue(record, f"no {model} for {fname} in the fixture")
                value = self._other_value(record, fname)
                # What a new record would not get by itself.
                new_value = ROUTED.get((model, fname)) or self._other_value(
                    self.env[model].sudo().new({}), fname
                )
                if value is not None and new_value is not None:
                    samples[model, fname] = (record, value, new_value, condition)
        return samples

    def _protected_values(self, samples):
        """What the samples hold in their protected fields, read in SQL
        terms (the cache is dropped first)."""
        self.env.invalidate_all()
        return {
            (model, fname): tuple(
                str(value) for value in record.read([fname], load=None)[0].values()
            )
            for (model, fname), record in samples.items()
        }

    def _owned_samples(self, declared):
        """{model: a record the flow owns} of the models it owns."""
        owned = {}
        for model in declared:
            Model = self.env[model]
            if not Model._flow_owned or model in NO_STANDING_ROWS:
                continue
            condition = [] if Model._flow_owned is True else Model._flow_owned
            owned[model] = self._sample(model, condition)
            self.assertTrue(owned[model], f"no {model} owned by the flow")
        return owned

    # ------------------------------------------------------------------

    def test_every_declared_field_is_the_flows(self):
        declared = self._declarations()
        # The declarations cover what the add-on's flow writes.
        for model, fname in (
            ("service.entitlement", "used_terms"),
            ("service.entitlement", "state"),
            ("service.entitlement", "signed_on"),
            ("repair.order", "state"),
            ("repair.order", "sla_missed"),
            ("repair.order", "repair_warranty_end"),
            ("repair.order", "entitlement_consume_on"),
            ("repair.order", "entitlement_allocation_type"),
            ("stock.lot", "entitlement_ids"),
            ("account.move.line", "service_billing_line_id"),
            ("account.move.line", "service_period_end"),
            ("account.move.line", "contract_line_id"),
            ("contract.line", "recurring_next_date"),
            ("contract.line", "last_date_invoiced"),
            ("service.entitlement.consumption", "quantity"),
            ("service.entitlement.billing.line", "price_unit"),
        ):
            self.assertIn(fname, declared.get(model, {}), model)
        samples = self._samples(declared)
        standing = {key: sample[0] for key, sample in samples.items() if sample[0]}
        tried = 0
        before_values = self._protected_values(standing)
        before = self._snapshot()
        for role in ROLES:
            for (model, fname), sample in samples.items():
                record, value, new_value, condition = sample
                with self.subTest(role=role, model=model, field=fname):
                    if record:
                        self.assertRefused(
                            role, model, "write", [record.id], {fname: value}
                        )
                    if condition is not True:
                        # A new record matches the condition only through a
                        # field that is the flow's (checked below).
                        continue
                    self.assertRefused(role, model, "create", {fname: new_value})
                    self.assertRefused(
                        role,
                        model,
                        "create",
                        {},
                        context={f"default_{fname}": new_value},
                    )
                    tried += 1
            for model, record in self._owned_samples(declared).items():
                with self.subTest(role=role, model=model, method="unlink"):
                    self.assertRefused(role, model, "unlink", [record.id])
        self.assertGreater(tried, 50 * len(ROLES))
        for model, protected in declared.items():
            for fname, condition in protected.items():
                if condition is not True:
                    leaves = {leaf[0] for leaf in condition if isinstance(leaf, tuple)}
                    self.assertTrue(
                        any(protected.get(leaf) is True for leaf in leaves),
                        f"{model}.{fname}: its condition is not the flow's own",
                    )
        self.assertEqual(self._protected_values(standing), before_values)
        self.assertEqual(self._snapshot(), before)

    def test_relations_are_not_written_from_their_other_side(self):
        """A many2many of the add-on's models shares its table with no field
        of another model that anyone may write: writing the serial number's
        entitlements would change what the entitlement covers past its
        checks."""
        own = {
            name
            for name, model in self.env.registry.items()
            if name.startswith("service.") and not model._abstract
        }
        tables = {
            field.relation: field
            for name in own
            for field in self.env[name]._fields.values()
            if field.type == "many2many" and field.store
        }
        for name in self.env.registry:
            if name in own:
                continue
            for field in self.env[name]._fields.values():
                if field.type == "many2many" and field.relation in tables:
                    with self.subTest(field=str(field)):
                        self.assertTrue(
                            getattr(field, "flow_only", False)
                            or field.compute
                            or field.related,
                            f"{field} writes {tables[field.relation]} from the "
                            "other side",
                        )
        before = self._snapshot()
        for role in ROLES:
            # (4, id): link, (3, id): unlink, (6, 0, ids): set, as a client
            # sends them.
            for command in (
                [(4, self.fabrikam_contract.id)],
                [(3, self.adatum_warranty.id)],
                [(6, 0, [])],
            ):
                self.assertRefused(
                    role,
                    "stock.lot",
                    "write",
                    [self.lot.id],
                    {"entitlement_ids": command},
                )
        self.assertEqual(self.lot.entitlement_ids, self.adatum_warranty | self.contract)
        self.assertEqual(self._snapshot(), before)

    def assertRefusedAs(self, message, role, model, method, *args, **kwargs):
        """Refused for the flow's reason (not for a malformed call)."""
        with self.assertRaises(
            xmlrpc.client.Fault, msg=f"{role} {model}.{method}{args} accepted"
        ) as caught:
            self._call(role, model, method, *args, **kwargs)
        self.assertIn(message, caught.exception.faultString)

    def test_saved_defaults_give_nothing_of_the_flows(self):
        """Odoo lets any user save a personal default for a field (and
        applies it inside ``create``): none can be saved for what only the
        flow writes, and one saved before is refused at creation."""
        samples = self._samples(self._declarations())
        tried = 0
        for role in ("desk", "manager"):
            for (model, fname), sample in samples.items():
                if sample[3] is not True or model in NO_STANDING_ROWS:
                    continue
                with self.subTest(role=role, model=model, field=fname):
                    self.assertRefusedAs(
                        "follows the service flow",
                        role,
                        "ir.default",
                        "set",
                        model,
                        fname,
                        sample[2],
                        True,
                    )
                    tried += 1
        self.assertGreater(tried, 100)
        self.assertFalse(
            self.env["ir.default"].search(
                [("user_id", "in", [user.id for user in self.logins.values()])]
            )
        )
        # One saved before the add-on was there: the goodwill decision.
        desk = self.logins["desk"]
        field = self.env["ir.model.fields"]._get("repair.order", "entitlement_decision")
        self.env.cr.execute(
            "INSERT INTO ir_default (field_id, user_id, json_value) "
            "VALUES (%s, %s, '\"goodwill\"')",
            [field.id, desk.id],
        )
        self.env.registry.clear_cache()
        before = self._snapshot()
        self.assertRefusedAs(
            "follows the service flow",
            "desk",
            "repair.order",
            "create",
            {"partner_id": self.adatum.id, "product_id": self.lot.product_id.id},
        )
        self.assertEqual(self._snapshot(), before)

    def test_flow_facts_are_not_moved_from_the_other_side(self):
        """Every relation only the flow writes (a ledger row's entitlement,
        a part a repair installed, a finished repair's serial number) is
        refused when written from its other side: (4, id) on another
        record's one2many."""
        tried = 0
        before = self._snapshot()
        for model, protected in self._declarations().items():
            if model in NO_STANDING_ROWS:
                continue
            for fname, condition in protected.items():
                field = self.env[model]._fields[fname]
                if field.type != "many2one" or not field.store:
                    continue
                record = self._sample(model, condition)
                Comodel = self.env[field.comodel_name]
                for inverse in Comodel._fields.values():
                    if not (
                        inverse.type == "one2many"
                        and inverse.comodel_name == model
                        and inverse.inverse_name == fname
                        and not inverse.compute
                    ):
                        continue
                    target = Comodel.sudo().search(
                        [("id", "!=", record[fname].id)], limit=1
                    )
                    if not target:
                        continue
                    for role in ROLES:
                        with self.subTest(role=role, field=str(inverse)):
                            self.assertRefused(
                                role,
                                field.comodel_name,
                                "write",
                                [target.id],
                                {inverse.name: [(4, record.id)]},
                            )
                            tried += 1
        self.assertGreater(tried, 20 * len(ROLES))
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self.done_repair.lot_id.name, "LAP-DONE")
        self.assertEqual(self.installed_part.lot_id, self.done_repair.lot_id)

    def test_a_finished_repair_stays_with_its_unit(self):
        for role in ("desk", "tech", "manager"):
            for vals in (
                {"lot_id": self.fab_lot.id},
                {"partner_id": self.fabrikam.id},
                {"product_id": self.overage_product.id},
            ):
                self.assertRefused(
                    role, "repair.order", "write", [self.done_repair.id], vals
                )
        self.assertEqual(self.done_repair.lot_id.name, "LAP-DONE")
        self.assertEqual(self.done_repair.partner_id, self.adatum)

    def test_the_customers_rating_is_theirs(self):
        """rating_apply is public (rating's API): an employee holding the
        token cannot answer for the customer."""
        rating = self.fab_open.sudo().rating_ids[:1]
        self.assertTrue(rating.access_token)
        for role in ROLES:
            self.assertRefused(
                role,
                "repair.order",
                "rating_apply",
                [self.fab_open.id],
                5,
                rating.access_token,
            )
        self.assertFalse(rating.consumed)
        self.assertFalse(self.fab_open.rating_last_value)

    def test_contract_invoicing_entries_follow_the_clerks_rules(self):
        """OCA's public entries (the daily job's and the contract's button)
        invoice service contracts under the rules of the clerks' run."""
        ahead = fields.Date.to_string(
            fields.Date.context_today(self.contract) + timedelta(days=400)
        )
        for role in ("desk", "tech", "billing", "portal"):
            self.assertRefused(
                role, "contract.contract", "cron_recurring_create_invoice", ahead
            )
        self.assertRefusedAs(
            "after today",
            "billing",
            "contract.contract",
            "cron_recurring_create_invoice",
            ahead,
        )
        self.assertRefusedAs(
            "is not a date",
            "billing",
            "contract.contract",
            "cron_recurring_create_invoice",
            "next week",
        )
        invoiced = self.contract.contract_invoice_count
        self.assertRefused(
            "billing",
            "contract.contract",
            "recurring_create_invoice",
            [self.contract.contract_id.id],
        )
        self.contract.invalidate_recordset()
        self.assertEqual(self.contract.contract_invoice_count, invoiced)

    def test_what_the_flow_depends_on_stays(self):
        """A serial number a contract line names cannot be deleted (the line
        would cover every unit of its product), by anyone."""
        for role in ROLES:
            self.assertRefused(role, "stock.lot", "unlink", [self.lot.id])
        with self.assertRaisesRegex(UserError, "contract"):
            self.lot.unlink()
        self.assertTrue(self.lot.exists())
        # Nor one with a service history (its components here), which would
        # go with it.
        done_lot = self.done_repair.lot_id
        for role in ROLES:
            self.assertRefused(role, "stock.lot", "unlink", [done_lot.id])
        with self.assertRaisesRegex(UserError, "history"):
            done_lot.unlink()
        self.assertTrue(self.installed_part.exists())
        # What an entitlement names in its scope: deleted, the entitlement
        # would cover more (everything, with none left).
        env = self.env
        categ = env["product.category"].create({"name": "Scanners"})
        scanner = env["product.product"].create(
            {"name": "Scanner", "type": "consu", "categ_id": categ.id}
        )
        reason = env["service.fault.reason"].create({"name": "Sand"})
        plan = env["service.entitlement"].create(
            {
                "name": "Scanner plan",
                "partner_id": self.adatum.id,
                "total_terms": 2,
                "product_ids": [Command.set(scanner.ids)],
                "product_categ_ids": [Command.set(categ.ids)],
                "excluded_fault_reason_ids": [Command.set(reason.ids)],
            }
        )
        for record in (scanner, categ, reason):
            with self.assertRaisesRegex(UserError, "Scanner plan"):
                record.unlink()
        self.assertEqual(plan.product_ids, scanner)
        self.assertEqual(plan.product_categ_ids, categ)
        self.assertEqual(plan.excluded_fault_reason_ids, reason)
        self.assertEqual(self.contract.contract_line_ids.lot_id, self.lot)

    def test_reads_follow_roles(self):
        """Portal users read no recurring line of a contract that is not
        theirs to follow; the desk and technicians read no contract price,
        in the chatter or in the price history."""
        self.assertFalse(
            self._call("portal", "contract.line", "search_read", [], ["price_unit"])
        )
        self.assertFalse(
            self._call(
                "portal", "contract.modification", "search_read", [], ["description"]
            )
        )
        line = self.contract.contract_line_ids
        self.assertEqual(line.line_value, 1260.0)
        for role in ("desk", "tech"):
            bodies = self._call(
                role,
                "mail.message",
                "search_read",
                [
                    ("model", "=", "service.entitlement"),
                    ("res_id", "=", self.contract.id),
                ],
                ["body"],
            )
            self.assertTrue(any("Prices of 1 line(s)" in m["body"] for m in bodies))
            for message in bodies:
                for amount in ("1,200", "1,260", "1200", "1260"):
                    self.assertNotIn(amount, message["body"], role)
            self.assertRefused(
                role,
                "service.entitlement.price.change",
                "search_read",
                [],
                ["new_value"],
            )
        history = self._call(
            "billing",
            "service.entitlement.price.change",
            "search_read",
            [("entitlement_id", "=", self.contract.id)],
            ["old_value", "new_value"],
        )
        self.assertEqual(
            [(h["old_value"], h["new_value"]) for h in history], [(1200.0, 1260.0)]
        )


# The add-on's public methods besides its buttons (``action_*``, which check
# their role) and the ORM's own (create, write, copy_data, unlink, init):
# any client may call them over the API, so each says why it stays public
# and how it checks its caller.  A new one must be added here, with its why.
PUBLIC_METHODS = {
    "button_draft": "Odoo's Reset to Draft of invoices; refuses to bring back "
    "an invoice whose overages were invoiced again",
    "cron_recurring_create_invoice": "OCA contract's daily job entry; service "
    "contracts only under the billing clerks' rules (_contract_invoice_check)",
    "recurring_create_invoice": "OCA contract's button; service contracts "
    "only under the billing clerks' rules",
    "rating_apply": "rating's API; a repair's rating only as superuser, from "
    "the rating link's route that checked the token",
    "message_new": "the mail gateway's; the repair it makes goes through "
    "create's checks",
    "message_post": "the chatter's; marks a quote or claim sent only for "
    "the roles that send them",
}
ORM_METHODS = frozenset({"create", "write", "copy_data", "unlink", "init"})


@tagged("post_install", "-at_install")
class TestPublicMethods(FrozenClock, TransactionCase):
    def test_every_public_method_says_why(self):
        """Each public method the add-on defines on a model is a button or
        is listed with why it stays public."""
        found = {}
        for name in self.env.registry:
            for cls in type(self.env[name]).__mro__:
                if not cls.__module__.startswith(f"odoo.addons.{MODULE}."):
                    continue
                for method, value in vars(cls).items():
                    if (
                        callable(value)
                        and not method.startswith("_")
                        and not method.startswith("action_")
                        and method not in ORM_METHODS
                        and not getattr(value, "_api_private", False)
                    ):
                        found.setdefault(method, set()).add(name)
        unlisted = {m: models for m, models in found.items() if m not in PUBLIC_METHODS}
        self.assertFalse(
            unlisted, "public methods without a reason (make them private?)"
        )
        self.assertEqual(
            PUBLIC_METHODS.keys() - found.keys(), set(), "listed, no longer defined"
        )
