#!/usr/bin/env python3
"""Benchmark: invoice overage billing lines, next to plain account.move.create.

    python3 bench/bench_invoicing.py --db DB [--lines 10000 --customers 1000]

DB is a database with service_entitlement installed (``make run`` makes one).
The script builds the billing lines in one transaction, times
``_create_invoices()`` at several batch sizes, times Odoo creating the same
invoices directly with ``account.move.create`` in the same run, prints a table
and rolls everything back: the database is left as it was.
"""

import argparse
import time
from datetime import date, timedelta

from common import boot, measure, table


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
                "state": "active",
            }
            for partner in partners
        ]
    )
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
    vals_list = []
    groups = {}
    for line in lines:
        groups.setdefault(line._invoice_group_key(), lines.browse())
        groups[line._invoice_group_key()] |= line
    for (partner, company, currency, move_type), group in groups.items():
        vals = group._prepare_invoice(partner, company, currency, move_type)
        invoice_lines = []
        for line in group:
            line_vals = line._prepare_invoice_line(move_type)
            line_vals.pop("service_billing_line_id")
            invoice_lines.append((0, 0, line_vals))
        vals["invoice_line_ids"] = invoice_lines
        vals_list.append(vals)
    return vals_list


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
    header = (
        "lines",
        "invoices",
        "add-on s",
        "queries/inv",
        "move.create s",
        "queries/inv",
        "time ratio",
    )
    print(
        table(
            header,
            [
                (
                    n_lines,
                    n_inv,
                    f"{ours_s:.2f}",
                    f"{ours_q / n_inv:.1f}",
                    f"{plain_s:.2f}",
                    f"{plain_q / n_inv:.1f}",
                    f"{ours_s / plain_s:.2f}",
                )
                for n_lines, n_inv, ours_s, ours_q, plain_s, plain_q in rows
            ],
        )
    )


if __name__ == "__main__":
    main()
