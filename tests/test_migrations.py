import importlib.util
import os

from odoo import Command
from odoo.modules import get_module_path
from odoo.tests.common import tagged
from odoo.tools.sql import column_exists

from .common import RepairEntitlementCase


def load_migration(version, name="post-migration"):
    path = os.path.join(
        get_module_path("service_entitlement"), "migrations", version, f"{name}.py"
    )
    spec = importlib.util.spec_from_file_location(f"migration_{version}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestDecisionMigration(RepairEntitlementCase):
    """18.0.1.4.0: the override and goodwill blocks of a repair become one
    decision, goodwill first; the former columns go."""

    def test_former_decisions_are_copied_and_their_columns_dropped(self):
        self._active_entitlement()
        overridden, goodwill, both, plain = (
            self._create_repair(lot=lot) for lot in (self.lot, self.lot2) * 2
        )
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            ALTER TABLE repair_order
                ADD COLUMN entitlement_override boolean,
                ADD COLUMN entitlement_override_bill boolean,
                ADD COLUMN entitlement_override_reason varchar,
                ADD COLUMN entitlement_override_user_id integer,
                ADD COLUMN entitlement_override_date timestamp,
                ADD COLUMN entitlement_goodwill boolean,
                ADD COLUMN entitlement_goodwill_reason varchar,
                ADD COLUMN entitlement_goodwill_user_id integer,
                ADD COLUMN entitlement_goodwill_date timestamp;
            UPDATE repair_order SET entitlement_override = true,
                   entitlement_override_bill = true,
                   entitlement_override_reason = 'Urgent',
                   entitlement_override_user_id = %(manager)s,
                   entitlement_override_date = '2026-10-01 10:00'
             WHERE id = ANY(%(overridden)s);
            UPDATE repair_order SET entitlement_goodwill = true,
                   entitlement_goodwill_reason = 'Loyal customer',
                   entitlement_goodwill_user_id = %(desk)s,
                   entitlement_goodwill_date = '2026-10-02 10:00'
             WHERE id = ANY(%(goodwill)s);
            """,
            {
                "manager": self.manager_user.id,
                "desk": self.desk_user.id,
                "overridden": [overridden.id, both.id],
                "goodwill": [goodwill.id, both.id],
            },
        )
        load_migration("18.0.1.4.0").migrate(cr, "18.0.1.3.0")
        self.env.invalidate_all()
        self.assertRecordValues(
            overridden | goodwill | both | plain,
            [
                {
                    "entitlement_decision": "override",
                    "entitlement_decision_bill": True,
                    "entitlement_decision_reason": "Urgent",
                    "entitlement_decision_user_id": self.manager_user.id,
                },
                {
                    "entitlement_decision": "goodwill",
                    "entitlement_decision_bill": False,
                    "entitlement_decision_reason": "Loyal customer",
                    "entitlement_decision_user_id": self.desk_user.id,
                },
                {
                    "entitlement_decision": "goodwill",
                    "entitlement_decision_bill": False,
                    "entitlement_decision_reason": "Loyal customer",
                    "entitlement_decision_user_id": self.desk_user.id,
                },
                {
                    "entitlement_decision": False,
                    "entitlement_decision_bill": False,
                    "entitlement_decision_reason": False,
                    "entitlement_decision_user_id": False,
                },
            ],
        )
        for column in ("entitlement_override", "entitlement_goodwill_reason"):
            self.assertFalse(column_exists(cr, "repair_order", column))


@tagged("post_install", "-at_install")
class TestContractRulesMigration(RepairEntitlementCase):
    """18.0.1.5.0: contracts and templates that exist keep the days
    proration and calendar periods they were invoiced by; new ones take
    Business Central's rules."""

    def test_existing_contracts_keep_their_rules(self):
        contract = self._create_entitlement(entitlement_type="service_contract")
        template = self.env["service.entitlement.template"].create(
            {"name": "Gold", "entitlement_type": "service_contract"}
        )
        cr = self.env.cr
        self.env.flush_all()
        for table in ("service_entitlement", "service_entitlement_template"):
            cr.execute(
                f"ALTER TABLE {table} DROP COLUMN proration_method, "
                "DROP COLUMN period_alignment"
            )
        load_migration("18.0.1.5.0", "pre-migration").migrate(cr, "18.0.1.4.0")
        self.env.invalidate_all()
        for record in (contract, template):
            self.assertEqual(record.proration_method, "days")
            self.assertEqual(record.period_alignment, "calendar")
        new = self._create_entitlement(entitlement_type="service_contract")
        self.assertEqual(new.proration_method, "month_parts")
        self.assertEqual(new.period_alignment, "first_month")


class TestRecurringLineMigration(RepairEntitlementCase):
    """18.0.1.6.0: the recurring lines of service contract lines, which
    repeated the line discount, take a period's price after it."""

    def test_recurring_lines_take_the_price_after_discount(self):
        contract = self._create_entitlement(
            entitlement_type="service_contract",
            invoice_period="quarter",
            contract_line_ids=[
                Command.create(
                    {
                        "lot_id": self._create_lot("MIG-1").id,
                        "line_value": 1200.0,
                        "discount": 25.0,
                    }
                )
            ],
        )
        contract.action_activate()
        oca_line = contract.contract_line_ids.contract_line_id
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE contract_line SET discount = 25, name = 'former' WHERE id = %s",
            [oca_line.id],
        )
        self.env.invalidate_all()
        load_migration("18.0.1.6.0").migrate(self.env.cr, "18.0.1.5.0")
        self.env.invalidate_all()
        self.assertEqual(oca_line.price_unit, 225.0)
        self.assertEqual(oca_line.discount, 0.0)
        self.assertEqual(
            oca_line.name,
            f"{contract.code}: {contract.contract_line_ids.name}",
        )


class TestFaultReasonMigration(RepairEntitlementCase):
    """18.0.1.7.0: the add-on's fault reasons that are not defects say so."""

    def test_reasons_that_are_not_defects(self):
        reasons = self.env["service.fault.reason"].with_context(active_test=False)
        ours = reasons.search([]).filtered(
            lambda r: r.get_external_id()[r.id].startswith("service_entitlement.")
        )
        ours.write({"not_defect": False, "supplier_defect": False})
        load_migration("18.0.1.7.0").migrate(self.env.cr, "18.0.1.6.0")
        self.assertEqual(
            sorted(ours.filtered("not_defect").mapped("code")),
            ["ACCIDENT", "LIQUID", "MISUSE", "NFF", "WEAR"],
        )
        defect = self.env.ref("service_entitlement.fault_reason_manufacturing_defect")
        self.assertFalse(defect.not_defect)
        self.assertEqual(ours.filtered("supplier_defect"), defect)
