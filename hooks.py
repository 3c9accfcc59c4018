"""Uninstalling the add-on keeps what the company's books still refer to."""

from odoo.tools import SQL

# Records of the add-on that invoices, OCA contracts or the stock may refer
# to: its "Service Contract" product, the demo customers that were invoiced,
# and the demo serial numbers a finished repair moved.
KEPT_MODELS = (
    "res.partner",
    "product.product",
    "product.template",
    "product.category",
    "stock.lot",
    "stock.location",
)

# Tables of the add-on whose rows refer to other add-ons' records without
# cascading: the loaners' log, the serial numbers' components and
# warranties, the claims to suppliers.
OWN_TABLES_FIRST = (
    "service_loaner_loan",
    "service_lot_component",
    "service_warranty_layer",
    "service_vendor_claim",
)


def _referenced_ids(cr, table, ids):
    """Ids among ``ids`` of ``table`` that a row of another add-on's table
    refers to through a foreign key that forbids deleting them."""
    cr.execute(
        """
        SELECT src.relname, att.attname
          FROM pg_constraint con
          JOIN pg_class src ON src.oid = con.conrelid
          JOIN pg_attribute att
            ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
         WHERE con.contype = 'f'
           AND con.confrelid = %s::regclass
           AND con.confdeltype IN ('r', 'a')
           AND src.relname NOT LIKE 'service\\_entitlement%%'
           AND src.relname NOT IN %s
           AND src.relname != %s
        """,
        [table, OWN_TABLES_FIRST, table],
    )
    found = set()
    for src, column in cr.fetchall():
        cr.execute(
            SQL(
                "SELECT DISTINCT %s FROM %s WHERE %s IN %s",
                SQL.identifier(column),
                SQL.identifier(src),
                SQL.identifier(column),
                tuple(ids),
            )
        )
        found.update(row[0] for row in cr.fetchall())
    return found


def uninstall_hook(env):
    """Odoo deletes the records the add-on created when it is uninstalled;
    those that invoices, recurring contracts or stock moves still refer to
    (the product invoiced for service contracts, invoiced customers, serial
    numbers that moved, the loaner location) are kept as plain records
    instead, so that the books and the stock stay whole and the log clean."""
    cr = env.cr
    env.flush_all()
    # Odoo deletes the add-on's records of other models (demo repairs,
    # customers, products) before it drops the add-on's tables: the rows of
    # those tables that refer to them would stop it.  They go first.
    for table in OWN_TABLES_FIRST:
        cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
    kept_products = set()
    for model in KEPT_MODELS:
        data = env["ir.model.data"].search(
            [("module", "=", "service_entitlement"), ("model", "=", model)]
        )
        if not data:
            continue
        ids = set(data.mapped("res_id"))
        kept = _referenced_ids(cr, env[model]._table, ids)
        if model == "product.product":
            kept_products = kept
        elif model == "product.template" and kept_products:
            products = env["product.product"].browse(kept_products)
            kept |= set(products.product_tmpl_id.ids)
        data.filtered(lambda d, kept=kept: d.res_id in kept).unlink()
