"""A repair's decisions (an override of a block, goodwill) are now one set of
fields, ``entitlement_decision*``: copy the two former blocks into it, goodwill
first (it covers without using the terms, whatever an override said), then
drop the former columns."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists

FORMER = {"goodwill": "entitlement_goodwill", "override": "entitlement_override"}
SUFFIXES = ("", "_reason", "_user_id", "_date")


def migrate(cr, version):
    if not version:
        return
    for decision, former in FORMER.items():
        if not column_exists(cr, "repair_order", former):
            continue
        bill = (
            SQL.identifier("entitlement_override_bill")
            if decision == "override"
            else SQL("false")
        )
        cr.execute(
            SQL(
                """
                UPDATE repair_order
                   SET entitlement_decision = %s,
                       entitlement_decision_bill = COALESCE(%s, false),
                       entitlement_decision_reason = %s,
                       entitlement_decision_user_id = %s,
                       entitlement_decision_date = %s
                 WHERE %s AND entitlement_decision IS NULL
                """,
                decision,
                bill,
                SQL.identifier(f"{former}_reason"),
                SQL.identifier(f"{former}_user_id"),
                SQL.identifier(f"{former}_date"),
                SQL.identifier(former),
            )
        )
    columns = [f"{former}{suffix}" for former in FORMER.values() for suffix in SUFFIXES]
    for column in [*columns, "entitlement_override_bill"]:
        cr.execute(
            SQL(
                "ALTER TABLE repair_order DROP COLUMN IF EXISTS %s",
                SQL.identifier(column),
            )
        )
