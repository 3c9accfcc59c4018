from odoo_test_helper import FakeModelLoader

from odoo import Command

from .common import RepairEntitlementCase


class TestConsumerMixin(RepairEntitlementCase):
    """The mixin on a document that is not a repair order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        from .fake_document import FakeServiceDocument

        cls.loader.update_registry((FakeServiceDocument,))
        cls.Document = cls.env["service.entitlement.fake.document"]

    @classmethod
    def tearDownClass(cls):
        cls.loader.restore_registry()
        super().tearDownClass()

    def test_match_consume_release_on_any_document(self):
        incidents = self._active_entitlement(lot_ids=[], name="Incidents")
        hours = self._active_entitlement(
            lot_ids=[],
            allocation_type="hours",
            total_terms=5,
            consume_on="done",
            product_ids=[Command.set(self.laptop.ids)],
            name="Hours",
        )
        ticket = self.Document.create(
            {"partner_id": self.customer_contact.id, "product_id": self.laptop.id}
        )
        # The product-level entitlement is more specific than "everything".
        self.assertEqual(ticket.entitlement_id, hours)
        self.assertEqual(ticket.entitlement_eligible_ids, hours | incidents)
        ticket.hours = 2
        ticket.action_open()  # hours entitlements consume when done
        self.assertEqual(hours.remaining_terms, 5)
        ticket.action_close()
        self.assertEqual(hours.remaining_terms, 3)
        row = ticket.entitlement_consumption_ids
        self.assertEqual((row.res_model, row.res_id), (self.Document._name, ticket.id))
        self.assertFalse(row.repair_id)
        ticket.action_reopen()
        self.assertEqual(hours.remaining_terms, 5)
        self.assertEqual(ticket.entitlement_cycle, 1)

        other = self.Document.create({"partner_id": self.customer.id})
        self.assertEqual(other.entitlement_id, incidents)
        other.action_open()
        self.assertEqual(incidents.remaining_terms, 2)
        self.assertIn("All items", other.entitlement_explanation)

    def test_bypass_context_behaves_as_plain_odoo(self):
        entitlement = self._active_entitlement(lot_ids=[])
        Document = self.Document.with_context(service_entitlement_bypass=True)
        ticket = Document.create({"partner_id": self.customer.id})
        self.assertFalse(ticket.entitlement_id)
        ticket.entitlement_id = entitlement
        ticket.action_open()
        self.assertEqual(entitlement.remaining_terms, 3)
