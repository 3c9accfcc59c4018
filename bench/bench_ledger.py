#!/usr/bin/env python3
"""Benchmark: ledger writes through the add-on's consumption API (the
ledger's ``_record``, which every row goes through) next to a raw INSERT of
the same rows in PostgreSQL, in the same run.

    python3 bench/bench_ledger.py --db DB [--rows 50000 --entitlements 500]

Everything is rolled back at the end.
"""

import argparse
import json
import time
from datetime import date, timedelta

from common import boot, table


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--entitlements", type=int, default=500)
    parser.add_argument("--batch", type=int, default=5_000)
    return parser.parse_args()


def main():
    args = parse_args()
    odoo, registry = boot(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        today = date.today()
        partner = env["res.partner"].create(
            {"name": "Ledger bench", "is_company": True}
        )
        entitlements = env["service.entitlement"].create(
            [
                {
                    "name": "Ledger bench",
                    "partner_id": partner.id,
                    "date_start": today,
                    "date_end": today + timedelta(days=365),
                    "total_terms": 1_000_000,
                }
                for __ in range(args.entitlements)
            ]
        )
        entitlements.action_activate()
        env.flush_all()
        ids = entitlements.ids
        company = env.company.id

        def vals(offset, i):
            return {
                "entitlement_id": ids[i % len(ids)],
                "quantity": 1,
                "res_model": "bench.document",
                "res_id": offset + i + 1,
            }

        started = time.perf_counter()
        for start in range(0, args.rows, args.batch):
            size = min(args.batch, args.rows - start)
            env["service.entitlement.consumption"]._record(
                [vals(0, start + i) for i in range(size)]
            )
            env.flush_all()
            env.invalidate_all()
        orm_s = time.perf_counter() - started

        started = time.perf_counter()
        cr.execute(
            """
            INSERT INTO service_entitlement_consumption (
                entitlement_id, company_id, partner_id, date, user_id, kind,
                quantity, overage_quantity, res_model, res_id, cycle,
                create_uid, write_uid, create_date, write_date)
            SELECT (%(ids)s)[1 + (g - 1) %% %(n)s], %(company)s, %(partner)s,
                   now(), 1, 'consumption', 1, 0, 'bench.document',
                   %(offset)s + g, 0, 1, 1, now(), now()
              FROM generate_series(1, %(rows)s) g
            """,
            {
                "ids": ids,
                "n": len(ids),
                "company": company,
                "partner": partner.id,
                "offset": 10 * args.rows,
                "rows": args.rows,
            },
        )
        cr.execute(
            """
            UPDATE service_entitlement e
               SET used_terms = s.used, remaining_terms = e.total_terms - s.used
              FROM (SELECT entitlement_id, sum(quantity) AS used
                      FROM service_entitlement_consumption
                     WHERE entitlement_id = ANY(%s) GROUP BY entitlement_id) s
             WHERE s.entitlement_id = e.id
            """,
            [ids],
        )
        sql_s = time.perf_counter() - started
        cr.rollback()

    print(
        table(
            (
                "rows",
                "add-on s",
                "add-on rows/s",
                "raw INSERT s",
                "raw rows/s",
                "add-on/raw",
            ),
            [
                (
                    f"{args.rows:,}",
                    f"{orm_s:.2f}",
                    f"{args.rows / orm_s:,.0f}",
                    f"{sql_s:.2f}",
                    f"{args.rows / sql_s:,.0f}",
                    f"{orm_s / sql_s:.1f}",
                )
            ],
        )
    )
    print(
        "(the add-on's _record moves the counters and writes the rows; the raw "
        "side INSERTs the same rows and updates the counters)"
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "rows": args.rows,
                "batch": args.batch,
                "orm_s": round(orm_s, 3),
                "orm_rows_s": round(args.rows / orm_s),
                "raw_s": round(sql_s, 3),
                "raw_rows_s": round(args.rows / sql_s),
                "fraction_of_raw": round(sql_s / orm_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
