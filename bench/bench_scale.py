#!/usr/bin/env python3
"""Benchmark: generate customers, entitlements and ledger rows through the ORM
in batches, and time each phase; then time matching one repair at that scale.

    python3 bench/bench_scale.py --db DB [--customers 20000
        --entitlements 100000 --ledger 1000000 --batch 5000]

Everything is rolled back at the end.
"""

import argparse
import time
from datetime import date, timedelta

from common import boot, measure, table


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--entitlements", type=int, default=100_000)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000)
    return parser.parse_args()


def batched(total, size):
    for start in range(0, total, size):
        yield start, min(size, total - start)


def main():
    args = parse_args()
    odoo, registry = boot(args.db)
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True}
        )
        today = date.today()

        started = time.perf_counter()
        partner_ids = []
        for start, size in batched(args.customers, args.batch):
            partner_ids += (
                env["res.partner"]
                .create(
                    [
                        {"name": f"Scale customer {start + i}", "is_company": True}
                        for i in range(size)
                    ]
                )
                .ids
            )
            env.flush_all()
            env.invalidate_all()
        rows.append(("customers", args.customers, time.perf_counter() - started))

        started = time.perf_counter()
        entitlement_ids = []
        for start, size in batched(args.entitlements, args.batch):
            batch = env["service.entitlement"].create(
                [
                    {
                        "name": "Scale warranty",
                        "partner_id": partner_ids[(start + i) % len(partner_ids)],
                        "date_start": today - timedelta(days=30),
                        "date_end": today + timedelta(days=335),
                        "total_terms": 1_000,
                    }
                    for i in range(size)
                ]
            )
            batch.action_activate()
            entitlement_ids += batch.ids
            env.flush_all()
            env.invalidate_all()
        rows.append(("entitlements", args.entitlements, time.perf_counter() - started))

        started = time.perf_counter()
        for start, size in batched(args.ledger, args.batch):
            env["service.entitlement.consumption"]._record(
                [
                    {
                        "entitlement_id": entitlement_ids[
                            (start + i) % len(entitlement_ids)
                        ],
                        "quantity": 1,
                        "res_model": "scale.document",
                        "res_id": start + i + 1,
                    }
                    for i in range(size)
                ]
            )
            env.flush_all()
            env.invalidate_all()
        rows.append(("ledger rows", args.ledger, time.perf_counter() - started))

        cr.execute(
            "SELECT count(*) FROM service_entitlement e WHERE e.used_terms <> "
            "(SELECT COALESCE(sum(quantity), 0) FROM service_entitlement_consumption c "
            " WHERE c.entitlement_id = e.id)"
        )
        mismatches = cr.fetchone()[0]

        product = env["product.product"].create(
            {"name": "Scale device", "type": "consu"}
        )
        repair, seconds, queries = measure(
            env,
            lambda: env["repair.order"].create(
                {"partner_id": partner_ids[0], "product_id": product.id}
            ),
        )
        assert repair.entitlement_id
        cr.rollback()

    print(
        table(
            ("phase", "records", "seconds", "records/s"),
            [(name, f"{n:,}", f"{s:.1f}", f"{n / s:,.0f}") for name, n, s in rows],
        )
    )
    print(f"counters that disagree with the ledger: {mismatches}")
    print(
        f"matching a new repair at this scale: {seconds * 1000:.0f} ms, "
        f"{queries} queries"
    )


if __name__ == "__main__":
    main()
