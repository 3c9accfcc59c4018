#!/usr/bin/env python3
"""Benchmark: create + confirm + finish a repair with the add-on, next to the
same flow on plain Odoo (the add-on's hooks bypassed), at 10 and at many
entitlements in the database.

    python3 bench/bench_flow.py --db DB [--runs 15 --entitlements 100000]

Everything is created in one transaction and rolled back.
"""

import argparse
from datetime import date, timedelta

from common import boot, measure, median, table


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--entitlements", type=int, default=100_000)
    return parser.parse_args()


def setup(env):
    today = date.today()
    product = env["product.product"].create(
        {
            "name": "Bench laptop",
            "type": "consu",
            "is_storable": True,
            "tracking": "serial",
        }
    )
    customer = env["res.partner"].create({"name": "Bench customer", "is_company": True})
    entitlement = env["service.entitlement"].create(
        {
            "name": "Bench warranty",
            "partner_id": customer.id,
            "date_start": today - timedelta(days=1),
            "date_end": today + timedelta(days=365),
            "total_terms": 1_000_000,
        }
    )
    entitlement.action_activate()
    others = env["res.partner"].create(
        [{"name": f"Bench other {i}", "is_company": True} for i in range(9)]
    )
    for partner in others:
        env["service.entitlement"].create(
            {
                "name": "Other",
                "partner_id": partner.id,
                "date_start": today - timedelta(days=1),
                "date_end": today + timedelta(days=365),
                "total_terms": 5,
            }
        ).action_activate()
    return product, customer, entitlement


def bulk_entitlements(env, count):
    """``count`` more entitlements of 1,000 other customers, in SQL."""
    partners = env["res.partner"].create(
        [{"name": f"Bulk {i}", "is_company": True} for i in range(1000)]
    )
    env.flush_all()
    today = date.today()
    env.cr.execute(
        """
        INSERT INTO service_entitlement (
            name, code, partner_id, company_id, entitlement_type, state,
            date_start, date_end, allocation_type, total_terms, used_terms,
            remaining_terms, remaining_percent, limit_policy, consume_on,
            coverage_scope, active, is_default, parts_coverage_percent,
            labor_coverage_percent, overage_price,
            create_uid, write_uid, create_date, write_date)
        SELECT 'Bulk ' || g, 'BULK/' || g, (%(partners)s)[1 + g %% 1000],
               %(company)s, 'warranty', 'active', %(start)s, %(end)s, 'incidents',
               5, 0, 5, 100, 'block', 'confirm', 'all', true, false, 100, 100, 0,
               1, 1, now(), now()
          FROM generate_series(1, %(count)s) g
        """,
        {
            "partners": partners.ids,
            "company": env.company.id,
            "start": today - timedelta(days=1),
            "end": today + timedelta(days=365),
            "count": count,
        },
    )
    env.cr.execute("ANALYZE service_entitlement")
    env.invalidate_all()


def one_flow(env, product, customer, index, plain):
    context = {"service_entitlement_bypass": True} if plain else {}
    lot = env["stock.lot"].create(
        {
            "name": f"BENCH-{plain}-{index}-{env.cr.sql_log_count}",
            "product_id": product.id,
        }
    )
    env["stock.quant"]._update_available_quantity(
        product, env.ref("stock.stock_location_stock"), 1.0, lot_id=lot
    )

    def flow():
        repair = (
            env["repair.order"]
            .with_context(**context)
            .create(
                {"partner_id": customer.id, "product_id": product.id, "lot_id": lot.id}
            )
        )
        repair.action_validate()
        repair.action_repair_start()
        repair.action_repair_end()
        return repair

    repair, seconds, queries = measure(env, flow)
    assert repair.state == "done"
    assert bool(repair.entitlement_consumption_ids) != plain
    return seconds, queries


def run_pair(env, product, customer, runs):
    ours, plain = [], []
    for index in range(runs + 2):
        # Alternate so both see the same warm-up and the same machine load.
        first, second = (False, True) if index % 2 else (True, False)
        results = {
            first: one_flow(env, product, customer, index, first),
            second: one_flow(env, product, customer, index, second),
        }
        if index >= 2:  # two warm-up rounds
            ours.append(results[False])
            plain.append(results[True])
    return ours, plain


def main():
    args = parse_args()
    odoo, registry = boot(args.db)
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        product, customer, _entitlement = setup(env)
        for label in ("10", f"{args.entitlements + 10:,}"):
            if label != "10":
                bulk_entitlements(env, args.entitlements)
            ours, plain = run_pair(env, product, customer, args.runs)
            ours_ms = median([s for s, __ in ours]) * 1000
            plain_ms = median([s for s, __ in plain]) * 1000
            rows.append(
                (
                    label,
                    f"{ours_ms:.0f}",
                    median([q for __, q in ours]),
                    f"{plain_ms:.0f}",
                    median([q for __, q in plain]),
                    f"{ours_ms / plain_ms:.2f}",
                )
            )
        cr.rollback()
    print(
        table(
            (
                "entitlements",
                "add-on ms",
                "add-on queries",
                "plain ms",
                "plain queries",
                "time ratio",
            ),
            rows,
        )
    )
    print(f"(medians of {args.runs} runs of create + confirm + start + end)")


if __name__ == "__main__":
    main()
