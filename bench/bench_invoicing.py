#!/usr/bin/env python3
"""Benchmark: invoice overage billing lines, next to plain account.move.create.

    python3 bench/bench_invoicing.py --db DB [--lines 10000 --customers 1000]

DB is a database with service_entitlement installed (``make run`` makes one).
The script builds the billing lines in one transaction, times
``_create_invoices()`` at several batch sizes, times Odoo creating the same
invoices directly with ``account.move.create`` in the same run, prints a table
and rolls everything back: the database is left as it was.

Every query of the call counts, divided by the number of invoices made.  The
goal: invoicing costs at most GOAL queries per invoice at every batch size,
and no more per invoice in a bigger batch.  The last line printed is
``RESULT {json}`` with the figures, for scripts that collect them.
"""

import argparse
import json
import time
from datetime import date, timedelta
from itertools import pairwise

from common import boot, measure, table

GOAL = 2.0  # queries per invoice, at most


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    return parser.parse_args()


def build_lines(env, lines, customers):
    """``lines`` billing lines spread over ``customers`` customers."""
    today = date.today()
    product = env["product.product"].create(
        {"name": "Bench overage", "type": "service", "list_price": 100}
    )
    partners = env["res.partner"].create(
        [{"name": f"Bench customer {i}", "is_company": True} for i in range(customers)]
    )
    entitlements = env["service.entitlement"].create(
        [
            {
                "name": "Bench warranty",
                "partner_id": partner.id,
                "date_start": today - timedelta(days=1),
                "date_end": today + timedelta(days=365),
                "total_terms": 1,
                "limit_policy": "bill",
                "overage_product_id": product.id,
                "overage_price": 100,
            }
            for partner in partners
        ]
    )
    entitlements.action_activate()
    per = lines // customers
    env["service.entitlement.consumption"]._record(
        [
            {
                "entitlement_id": entitlement.id,
                "quantity": 0,
                "overage_quantity": 1,
                "bill_overage": True,
                "res_model": "bench.document",
                "res_id": entitlement.id * 1000 + n,
            }
            for entitlement in entitlements
            for n in range(per)
        ]
    )
    env.flush_all()
    return env["service.entitlement.billing.line"].search(
        [("entitlement_id", "in", entitlements.ids)]
    )


def plain_vals(lines):
    """The same invoices as ``_create_invoices`` makes, without the links."""
    vals_list = lines._prepare_invoices_vals()
    for vals in vals_list:
        for command in vals["invoice_line_ids"]:
            command[2].pop("service_billing_line_id")
    return vals_list


def report(args, rows):
    """Print the table and the verdict; return the figures."""
    batches = [
        {
            "lines": n_lines,
            "invoices": n_inv,
            "addon_seconds": round(ours_s, 3),
            "addon_queries": ours_q,
            "addon_queries_per_invoice": round(ours_q / n_inv, 3),
            "plain_seconds": round(plain_s, 3),
            "plain_queries": plain_q,
            "plain_queries_per_invoice": round(plain_q / n_inv, 3),
        }
        for n_lines, n_inv, ours_s, ours_q, plain_s, plain_q in rows
    ]
    header = (
        "lines",
        "invoices",
        "add-on s",
        "queries/inv",
        "move.create s",
        "queries/inv",
        "time ratio",
        f"<= {GOAL:g}/inv",
    )
    print(
        table(
            header,
            [
                (
                    batch["lines"],
                    batch["invoices"],
                    f"{batch['addon_seconds']:.2f}",
                    f"{batch['addon_queries_per_invoice']:.2f}",
                    f"{batch['plain_seconds']:.2f}",
                    f"{batch['plain_queries_per_invoice']:.2f}",
                    f"{batch['addon_seconds'] / batch['plain_seconds']:.2f}",
                    "yes" if batch["addon_queries_per_invoice"] <= GOAL else "no",
                )
                for batch in batches
            ],
        )
    )
    per_invoice = [batch["addon_queries_per_invoice"] for batch in batches]
    within = all(value <= GOAL for value in per_invoice)
    grows = any(later > earlier for earlier, later in pairwise(per_invoice))
    met = within and not grows
    print(
        f"Goal (at most {GOAL:g} queries per invoice at every batch size, not "
        f"growing with the batch): {'met' if met else 'NOT met'}"
        + ("" if within else "; over the goal at some batch size")
        + ("; grows with the batch" if grows else "")
    )
    plain_over = [
        batch["invoices"]
        for batch in batches
        if batch["plain_queries_per_invoice"] > GOAL
    ]
    if plain_over:
        print(
            "Odoo's own account.move.create of the same invoices is over the goal "
            f"too at {', '.join(map(str, plain_over))} invoices: its fixed part "
            "alone is more than the budget of so few invoices."
        )
    return {
        "bench": "invoicing",
        "lines": args.lines,
        "customers": args.customers,
        "goal_queries_per_invoice": GOAL,
        "batches": batches,
        "within_goal": within,
        "grows_with_batch": grows,
        "goal_met": met,
    }


def main():
    args = parse_args()
    odoo, registry = boot(args.db)
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        started = time.perf_counter()
        lines = build_lines(env, args.lines, args.customers)
        print(
            f"Built {len(lines)} billing lines for {args.customers} customers in "
            f"{time.perf_counter() - started:.1f}s"
        )
        by_partner = {}
        for line in lines:
            by_partner.setdefault(line.partner_id.id, lines.browse())
            by_partner[line.partner_id.id] |= line
        partner_ids = list(by_partner)
        # Warm the caches on a few customers, not reported.
        warm = max(1, args.customers // 100)
        done = 0
        for batch in (
            warm,
            args.customers // 10,
            args.customers - args.customers // 10 - warm,
        ):
            chosen = lines.browse().union(
                *(by_partner[p] for p in partner_ids[done : done + batch])
            )
            done += batch
            vals_list = plain_vals(chosen)
            cr.execute("SAVEPOINT plain")
            plain, plain_s, plain_q = measure(
                env, lambda v=vals_list: env["account.move"].create(v)
            )
            cr.execute("ROLLBACK TO SAVEPOINT plain")
            env.invalidate_all()
            (invoices, skipped), ours_s, ours_q = measure(
                env, lambda c=chosen: c._create_invoices()
            )
            assert not skipped and len(invoices) == len(plain)
            if batch == warm:
                continue
            rows.append((len(chosen), len(invoices), ours_s, ours_q, plain_s, plain_q))
        cr.rollback()
    result = report(args, rows)
    print("RESULT " + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
