"""18.0.1.5.0: service contracts prorate by month parts and start their
periods on their first whole month (Business Central) by default.  Contracts
and templates that exist keep the rules they were invoiced by until now:
days of the period, calendar periods.  The columns are made here, before the
new fields' defaults would fill them."""

from odoo.tools import SQL

TABLES = ("service_entitlement", "service_entitlement_template")


def migrate(cr, version):
    if not version:
        return
    for table in TABLES:
        cr.execute(
            SQL(
                """
                ALTER TABLE %s
                    ADD COLUMN IF NOT EXISTS proration_method varchar,
                    ADD COLUMN IF NOT EXISTS period_alignment varchar
                """,
                SQL.identifier(table),
            )
        )
        cr.execute(
            SQL(
                """
                UPDATE %s
                   SET proration_method = COALESCE(proration_method, 'days'),
                       period_alignment = COALESCE(period_alignment, 'calendar')
                """,
                SQL.identifier(table),
            )
        )
