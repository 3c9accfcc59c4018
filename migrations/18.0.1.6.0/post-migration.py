"""The recurring line that invoices a service contract line is now computed
from it: its price is a whole period's after the line discount (the discount
is no longer repeated on it) and its name follows the line.  Clear the
discount and recompute the names of the lines that exist; their dates are
left as invoiced."""

from odoo import SUPERUSER_ID, api

RECOMPUTED = ("name",)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    lines = (
        env["contract.line"]
        .with_context(active_test=False)
        .search([("service_line_id", "!=", False)])
    )
    if not lines:
        return
    cr.execute(
        "UPDATE contract_line SET discount = 0 WHERE id IN %s", [tuple(lines.ids)]
    )
    lines.invalidate_recordset(["discount"])
    for fname in RECOMPUTED:
        env.add_to_compute(lines._fields[fname], lines)
    lines._recompute_recordset(RECOMPUTED)
    lines.flush_recordset(list(RECOMPUTED))
