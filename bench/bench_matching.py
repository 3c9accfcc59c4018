#!/usr/bin/env python3
"""Benchmark: matching a repair to its entitlement, at 10 entitlements and at
100,000 entitlements of 20,000 customers (after ANALYZE).

    python3 bench/bench_matching.py --db DB [--entitlements 100000
        --customers 20000 --runs 15]

What "matching a repair" is here: for a draft repair that exists (customer,
product, serial number, fault reason and date set), finding its eligible
entitlements ranked best first, ``repair._entitlement_ranked_eligible()``.
That is what the add-on does to choose the entitlement when a repair is
created or its customer, item, fault reason or date change
(``_entitlement_rematch``), and what the Eligible Entitlements
field shows.  Each run starts with cold caches (as ``common.measure`` does:
everything flushed and invalidated), so it includes reading the repair's own
fields; the environment carries the user's context (language, time zone) as
a request does (the administrator is given a time zone if it has none).
Three repairs are matched:

* covered: a serial of the bench customer that five of its entitlements cover
  (by serial, by product, by category; one expired, one not started yet);
* excluded: the same serial with a fault reason one of them excludes;
* uncovered: a serial of a product no entitlement of the customer covers.

The script also times a whole ``repair.order`` create (matching included) for
comparison with ``bench_scale.py``.

The bulk data (customers, serial numbers, entitlements and their coverage
rows) is inserted in SQL: a few entitlements per customer, covering by serial
(with its serial numbers), by product, by category or everything, most of them
active, some expired, waiting, draft or cancelled, some excluding a fault
reason.  ANALYZE runs in the same transaction: it samples the rows the
transaction inserted (PostgreSQL counts a row inserted by the current
transaction as live), and the script checks that the planner's row count of
``service_entitlement`` includes them.  The rows and the column statistics
are rolled back at the end; the row counts ANALYZE writes in ``pg_class`` are
not transactional, so the script analyses the tables again after the
rollback, which puts back the counts of the rows that are really there.
"""

import argparse
import json
from datetime import date, timedelta

from common import boot, bulk_data, measure, median, table

# Tables the bulk data goes to: analysed with it, and again after the rollback.
TABLES = (
    "res_partner",
    "stock_lot",
    "service_entitlement",
    "service_entitlement_stock_lot_rel",
    "service_entitlement_product_product_rel",
    "service_entitlement_product_category_rel",
    "service_entitlement_fault_reason_rel",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--entitlements", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    return parser.parse_args()


def setup(env):
    """Ten entitlements: five of the bench customer, five of others.  Returns
    the repairs to match, by case."""
    today = date.today()
    Category = env["product.category"]
    devices = Category.create({"name": "Bench devices"})
    laptops = Category.create({"name": "Bench laptops", "parent_id": devices.id})
    phones = Category.create({"name": "Bench phones"})

    def product(name, categ):
        return env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "categ_id": categ.id,
            }
        )

    laptop = product("Bench laptop", laptops)
    phone = product("Bench phone", phones)
    customer = env["res.partner"].create({"name": "Bench customer", "is_company": True})
    contact = env["res.partner"].create(
        {"name": "Bench contact", "parent_id": customer.id}
    )
    lot = env["stock.lot"].create({"name": "BENCH-LAPTOP-1", "product_id": laptop.id})
    phone_lot = env["stock.lot"].create(
        {"name": "BENCH-PHONE-1", "product_id": phone.id}
    )
    accident = env.ref("service_entitlement.fault_reason_accidental_damage")
    Entitlement = env["service.entitlement"]

    def entitlement(partner, start, end, **vals):
        return Entitlement.create(
            {
                "name": "Bench",
                "partner_id": partner.id,
                "date_start": today + timedelta(days=start),
                "date_end": today + timedelta(days=end),
                "total_terms": 1_000,
                **vals,
            }
        )

    (
        entitlement(
            customer,
            -30,
            335,
            lot_ids=[(6, 0, lot.ids)],
            excluded_fault_reason_ids=[(6, 0, accident.ids)],
        )
        | entitlement(customer, -30, 200, product_ids=[(6, 0, laptop.ids)])
        | entitlement(
            customer, -30, 300, product_categ_ids=[(6, 0, devices.ids)], is_default=True
        )
        | entitlement(customer, 30, 395, lot_ids=[(6, 0, lot.ids)])
    ).action_activate()
    expired = entitlement(customer, -400, -35, lot_ids=[(6, 0, lot.ids)])
    env.cr.execute(
        "UPDATE service_entitlement SET state = 'expired' WHERE id = %s", [expired.id]
    )
    for index in range(5):
        other = env["res.partner"].create(
            {"name": f"Bench other {index}", "is_company": True}
        )
        entitlement(other, -30, 335).action_activate()
    env.invalidate_all()
    assert Entitlement.search_count([]) == 10, "the database must hold no entitlement"

    def repair(product, lot, **vals):
        return (
            env["repair.order"]
            .with_context(service_entitlement_bypass=True)
            .create(
                {
                    "partner_id": contact.id,
                    "product_id": product.id,
                    "lot_id": lot.id,
                    **vals,
                }
            )
            .with_env(env)
        )

    return {
        "covered": repair(laptop, lot),
        "excluded": repair(laptop, lot, fault_reason_id=accident.id),
        "uncovered": repair(phone, phone_lot),
    }, (contact, laptop, lot)


def bulk(env, entitlements, customers):
    """``customers`` companies and ``entitlements`` entitlements, in SQL."""
    today = date.today()
    company = env.company.id
    cr = env.cr
    cr.execute(
        """
        INSERT INTO res_partner (
            name, complete_name, is_company, active, type, autopost_bills,
            company_id, create_uid, write_uid, create_date, write_date)
        SELECT 'Match customer ' || g, 'Match customer ' || g, true, true,
               'contact', 'ask', NULL, 1, 1, now(), now()
          FROM generate_series(1, %s) g
     RETURNING id
        """,
        [customers],
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [partner_ids],
    )
    categs = env["product.category"].create(
        [{"name": f"Match category {i}"} for i in range(10)]
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Match device {i}",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "categ_id": categs[i % len(categs)].id,
            }
            for i in range(50)
        ]
    )
    env.flush_all()
    # Per customer, its k-th entitlement: k = 0, 1 by serial, 2 by product,
    # 3 by category, 4 everything (one customer in four) or by serial.
    bulk_data().insert_entitlements(
        cr,
        entitlements,
        {
            "name": "'Match ' || g",
            "code": "'MATCH/' || g",
            "partner_id": "(%(partners)s)[1 + (g - 1) %% %(customers)s]",
            "company_id": "%(company)s",
            "state": "s.state",
            "date_start": "CASE s.state WHEN 'expired' THEN %(old_start)s "
            "WHEN 'waiting' THEN %(future_start)s ELSE %(start)s END",
            "date_end": "CASE s.state WHEN 'expired' THEN %(old_end)s ELSE %(end)s END",
            "coverage_scope": "CASE (g - 1) / %(customers)s "
            "WHEN 0 THEN 'lot' WHEN 1 THEN 'lot' WHEN 2 THEN 'product' "
            "WHEN 3 THEN 'category' "
            "ELSE CASE WHEN g %% 4 = 0 THEN 'all' ELSE 'lot' END END",
            "is_default": "g %% 7 = 0",
        },
        {
            "partners": partner_ids,
            "customers": customers,
            "company": company,
            "start": today - timedelta(days=30),
            "end": today + timedelta(days=335),
            "old_start": today - timedelta(days=800),
            "old_end": today - timedelta(days=435),
            "future_start": today + timedelta(days=30),
        },
        # The state comes from a hash of the row number: 75% active, 10%
        # expired, 5% each waiting, draft and cancelled.
        lateral="""
        , LATERAL (SELECT CASE WHEN h < 75 THEN 'active' WHEN h < 85 THEN 'expired'
                               WHEN h < 90 THEN 'waiting' WHEN h < 95 THEN 'draft'
                               ELSE 'cancelled' END AS state
                     FROM (SELECT (g * 7919) %% 100 AS h) x) s""",
    )
    # Serial numbers: one per serial entitlement, a second for one in three.
    cr.execute(
        """
        WITH lots AS (
            INSERT INTO stock_lot (name, product_id, company_id, service_blocked,
                                   create_uid, write_uid, create_date, write_date)
            SELECT 'MATCH-' || e.id || '-' || n,
                   (%(products)s)[1 + (e.id + n) %% %(nproducts)s], %(company)s,
                   'none', 1, 1, now(), now()
              FROM service_entitlement e,
                   generate_series(1, CASE WHEN e.id %% 3 = 0 THEN 2 ELSE 1 END) n
             WHERE e.code LIKE 'MATCH/%%' AND e.coverage_scope = 'lot'
         RETURNING id, name)
        INSERT INTO service_entitlement_stock_lot_rel (entitlement_id, lot_id)
        SELECT split_part(name, '-', 2)::int, id FROM lots
        """,
        {"products": products.ids, "nproducts": len(products), "company": company},
    )
    cr.execute(
        """
        INSERT INTO service_entitlement_product_product_rel (entitlement_id, product_id)
        SELECT id, (%(products)s)[1 + id %% %(nproducts)s]
          FROM service_entitlement
         WHERE code LIKE 'MATCH/%%' AND coverage_scope = 'product'
        """,
        {"products": products.ids, "nproducts": len(products)},
    )
    cr.execute(
        """
        INSERT INTO service_entitlement_product_category_rel (entitlement_id, categ_id)
        SELECT id, (%(categs)s)[1 + id %% %(ncategs)s]
          FROM service_entitlement
         WHERE code LIKE 'MATCH/%%' AND coverage_scope = 'category'
        """,
        {"categs": categs.ids, "ncategs": len(categs)},
    )
    cr.execute(
        """
        INSERT INTO service_entitlement_fault_reason_rel
               (entitlement_id, fault_reason_id)
        SELECT id, %s FROM service_entitlement
         WHERE code LIKE 'MATCH/%%' AND id %% 10 < 3
        """,
        [env.ref("service_entitlement.fault_reason_accidental_damage").id],
    )
    for name in TABLES:
        cr.execute(f"ANALYZE {name}")
    cr.execute("SELECT reltuples FROM pg_class WHERE relname = 'service_entitlement'")
    analysed = cr.fetchone()[0]
    assert analysed >= entitlements, f"ANALYZE saw {analysed:.0f} rows only"
    env.invalidate_all()
    return analysed


def match(repair):
    return repair._entitlement_ranked_eligible()


def run(env, repairs, create_args, runs):
    """{case: (median ms, median queries, best entitlement)}"""
    results = {}
    for case, repair in repairs.items():
        timings = []
        for index in range(runs + 2):
            ranked, seconds, queries = measure(env, lambda r=repair: match(r))
            if index >= 2:  # two warm-up rounds
                timings.append((seconds, queries))
        results[case] = (
            median([s for s, __ in timings]) * 1000,
            median([q for __, q in timings]),
            ranked,
        )
    contact, laptop, lot = create_args
    timings = []
    for index in range(runs + 2):
        repair, seconds, queries = measure(
            env,
            lambda: env["repair.order"].create(
                {"partner_id": contact.id, "product_id": laptop.id, "lot_id": lot.id}
            ),
        )
        assert repair.entitlement_id == results["covered"][2][:1]
        if index >= 2:
            timings.append((seconds, queries))
    results["create"] = (
        median([s for s, __ in timings]) * 1000,
        median([q for __, q in timings]),
        repair.entitlement_id,
    )
    return results


def main():
    args = parse_args()
    odoo, registry = boot(args.db)
    figures = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        # A user with a time zone, and the user's context, as in a request.
        env.user.tz = env.user.tz or "Europe/Brussels"
        context = {**env["res.users"].context_get(), "tz": env.user.tz}
        env = env(context={**context, "tracking_disable": True})
        repairs, create_args = setup(env)
        small = run(env, repairs, create_args, args.runs)
        analysed = bulk(env, args.entitlements, args.customers)
        large = run(env, repairs, create_args, args.runs)
        for case in small:
            assert small[case][2].ids == large[case][2].ids, case
        figures = {
            "entitlements": [10, args.entitlements + 10],
            "customers": args.customers,
            "analysed_rows": analysed,
            "runs": args.runs,
            **{
                case: {
                    "ms_10": round(small[case][0], 2),
                    "queries_10": small[case][1],
                    "ms_large": round(large[case][0], 2),
                    "queries_large": large[case][1],
                    "matched": len(large[case][2]),
                }
                for case in small
            },
        }
        cr.rollback()
    with registry.cursor() as cr:
        for name in TABLES:
            cr.execute(f"ANALYZE {name}")
    rows = [
        (
            "create a repair (whole)" if case == "create" else f"match, {case}",
            f"{figures[case]['ms_10']:.1f}",
            figures[case]["queries_10"],
            f"{figures[case]['ms_large']:.1f}",
            figures[case]["queries_large"],
        )
        for case in ("covered", "excluded", "uncovered", "create")
    ]
    large_label = f"{args.entitlements + 10:,}"
    print(
        table(
            (
                "operation",
                "ms at 10",
                "queries at 10",
                f"ms at {large_label}",
                f"queries at {large_label}",
            ),
            rows,
        )
    )
    print(
        f"(medians of {args.runs} runs, caches cold; {args.customers:,} customers; "
        f"ANALYZE saw {analysed:,.0f} entitlements)"
    )
    print("RESULT " + json.dumps(figures))


if __name__ == "__main__":
    main()
