#!/usr/bin/env python3
"""Benchmark: create + confirm + start + finish a repair with the add-on, next
to the same flow in Odoo without it (the true peer: a database with the
add-on's dependencies and not the add-on), at 10 and at many entitlements in
the add-on's database.

    python3 bench/bench_flow.py --db SCRATCH_DB --peer-db PEER_DB \
        [--runs 15 --entitlements 100000]

SCRATCH_DB is a database with service_entitlement installed, PEER_DB one with
its dependencies only; the script may write to both, and runs their flows
alternately in one process.  Without ``--peer-db``, the peer is the add-on's
own database with its hooks bypassed (which keeps the cost of its stored
fields on both sides); with it, that bypassed flow runs as a third side, in
the same rotation: what the add-on's fields and overrides cost before any
entitlement is matched or used; and a fourth, the flow in a second company
of the add-on's database that does not use entitlements (Settings): what a
company that switched the add-on off pays for it being installed.  Each
step of a flow is committed, as a request is, so that what runs at commit
(the chatter's tracking) and on the add-on's second connection (the terms
taken under the entitlement's lock, the reservation settled after commit)
is measured too.  Queries are counted
on every connection of the thread.  The flows run as the administrator in
a request's context (language, time zone).  The last line is ``RESULT {json}``.
"""

import argparse
import json
import threading
import time
from datetime import date, timedelta

from common import boot, bulk_data, median, table


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--peer-db")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--entitlements", type=int, default=100_000)
    return parser.parse_args()


def setup_plain(env):
    """The product and customer of the flows, in a database with or without
    the add-on."""
    product = env["product.product"].create(
        {
            "name": "Bench laptop",
            "type": "consu",
            "is_storable": True,
            "tracking": "serial",
        }
    )
    customer = env["res.partner"].create({"name": "Bench customer", "is_company": True})
    return product, customer


def setup(env):
    today = date.today()
    product, customer = setup_plain(env)
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
    return product, customer


def bulk_entitlements(env, count):
    """``count`` more entitlements of 1,000 other customers, in SQL."""
    partners = env["res.partner"].create(
        [{"name": f"Bulk {i}", "is_company": True} for i in range(1000)]
    )
    env.flush_all()
    today = date.today()
    bulk_data().insert_entitlements(
        env.cr,
        count,
        {
            "partner_id": "(%(partners)s)[1 + g %% 1000]",
            "company_id": "%(company)s",
            "date_start": "%(start)s",
            "date_end": "%(end)s",
        },
        {
            "partners": partners.ids,
            "company": env.company.id,
            "start": today - timedelta(days=1),
            "end": today + timedelta(days=365),
        },
    )
    env.cr.commit()
    env.cr.execute("ANALYZE service_entitlement")
    env.cr.commit()
    env.invalidate_all()


def switched_off_env(env):
    """The administrator in a second company of the add-on's database, one
    that does not use entitlements (Settings)."""
    name = "Bench company without entitlements"
    company = env["res.company"].search([("name", "=", name)], limit=1)
    if not company:
        company = env["res.company"].create(
            {"name": name, "entitlement_enabled": False}
        )
    if not env["stock.warehouse"].search([("company_id", "=", company.id)]):
        env["stock.warehouse"].create(
            {"name": name, "code": "BOFF", "company_id": company.id}
        )
    env.user.company_ids |= company
    return env(context=dict(env.context, allowed_company_ids=[company.id]))


def one_flow(env, product, customer, index, mode):
    """One repair's flow: (seconds, queries).  ``mode``: "addon", "plain"
    (a database without the add-on, or its hooks bypassed), "bypassed" (the
    add-on's hooks bypassed) or "off" (a company without entitlements)."""
    cr = env.cr
    bypass = mode == "bypassed" or (mode == "plain" and "service.entitlement" in env)
    context = {"service_entitlement_bypass": True} if bypass else {}
    lot = env["stock.lot"].create(
        {
            "name": f"BENCH-{mode}-{index}-{time.time_ns()}",
            "product_id": product.id,
        }
    )
    stock = (
        env["stock.warehouse"]
        .search([("company_id", "=", env.company.id)], limit=1)
        .lot_stock_id
    )
    env["stock.quant"]._update_available_quantity(product, stock, 1.0, lot_id=lot)
    cr.commit()
    flow_env = env(context=dict(env.context, **context))
    thread = threading.current_thread()
    repair = flow_env["repair.order"]

    def request(step):
        """One step as a request: empty caches, committed at the end."""
        env.invalidate_all()
        step()
        cr.commit()

    def create():
        nonlocal repair
        repair = flow_env["repair.order"].create(
            {"partner_id": customer.id, "product_id": product.id, "lot_id": lot.id}
        )

    queries = thread.query_count
    started = time.perf_counter()
    request(create)
    request(repair.action_validate)
    request(repair.action_repair_start)
    request(repair.action_repair_end)
    seconds = time.perf_counter() - started
    queries = thread.query_count - queries
    assert repair.state == "done"
    if "service.entitlement" in env:
        assert bool(repair.entitlement_consumption_ids) == (mode == "addon")
    return seconds, queries


def run_sides(sides, runs):
    """``sides``: {name: (env, product, customer, mode)}: the add-on's flow
    ("addon"), the peer's ("plain") and, beside a peer database, the
    add-on's flow with its hooks bypassed ("bypassed": what the add-on's
    fields and overrides cost before any entitlement is matched or used)
    and in a company without entitlements ("off").
    Returns {name: [(seconds, queries)]}."""
    names = list(sides)
    results = {name: [] for name in names}
    for index in range(runs + 2):
        # Rotate the order so every side sees the same warm-up and the same
        # machine load.
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            env, product, customer, mode = sides[name]
            measured = one_flow(env, product, customer, index, mode)
            if index >= 2:  # two warm-up rounds
                results[name].append(measured)
    return results


def admin_env(odoo, cr):
    """The administrator's environment, in a request's context."""
    admin = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}).ref("base.user_admin")
    if not admin.tz:
        admin.tz = "Europe/Brussels"
    env = odoo.api.Environment(cr, admin.id, {})
    return env(context=env.user.context_get())


def main():
    args = parse_args()
    odoo, registry = boot(args.db)
    peer_registry = (
        odoo.modules.registry.Registry(args.peer_db) if args.peer_db else None
    )
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    rows = []
    with registry.cursor() as cr, (peer_registry or registry).cursor() as peer_cr:
        env = admin_env(odoo, cr)
        product, customer = setup(env)
        sides = {"addon": (env, product, customer, "addon")}
        cr.commit()
        if peer_registry:
            peer_env = admin_env(odoo, peer_cr)
            sides["plain"] = (peer_env, *setup_plain(peer_env), "plain")
            peer_cr.commit()
            sides["bypassed"] = (env, product, customer, "bypassed")
            sides["off"] = (switched_off_env(env), product, customer, "off")
            cr.commit()
        else:
            sides["plain"] = (env, product, customer, "plain")
        for size in (10, args.entitlements + 10):
            if size > 10:
                bulk_entitlements(env, args.entitlements)
            results = run_sides(sides, args.runs)
            ms = {
                name: median([s for s, __ in flows]) * 1000
                for name, flows in results.items()
            }
            queries = {
                name: median([q for __, q in flows]) for name, flows in results.items()
            }
            row = {
                "entitlements": size,
                "addon_ms": round(ms["addon"], 1),
                "addon_queries": queries["addon"],
                "plain_ms": round(ms["plain"], 1),
                "plain_queries": queries["plain"],
                "extra_queries": queries["addon"] - queries["plain"],
                "time_ratio": round(ms["addon"] / ms["plain"], 3),
            }
            if "bypassed" in ms:
                row.update(
                    bypassed_ms=round(ms["bypassed"], 1),
                    bypassed_queries=queries["bypassed"],
                    bypassed_ratio=round(ms["bypassed"] / ms["plain"], 3),
                    off_ms=round(ms["off"], 1),
                    off_queries=queries["off"],
                    off_extra_queries=queries["off"] - queries["plain"],
                    off_ratio=round(ms["off"] / ms["plain"], 3),
                )
            rows.append(row)
    bypassed = all("bypassed_ms" in row for row in rows)
    print(
        table(
            (
                "entitlements",
                "add-on ms",
                "add-on queries",
                "plain ms",
                "plain queries",
                "extra queries",
                "time ratio",
                *(
                    (
                        "hooks bypassed ms",
                        "its ratio",
                        "switched off ms",
                        "its ratio",
                        "its extra queries",
                    )
                    if bypassed
                    else ()
                ),
            ),
            [
                (
                    f"{row['entitlements']:,}",
                    f"{row['addon_ms']:.0f}",
                    row["addon_queries"],
                    f"{row['plain_ms']:.0f}",
                    row["plain_queries"],
                    row["extra_queries"],
                    f"{row['time_ratio']:.2f}",
                    *(
                        (
                            f"{row['bypassed_ms']:.0f}",
                            f"{row['bypassed_ratio']:.2f}",
                            f"{row['off_ms']:.0f}",
                            f"{row['off_ratio']:.2f}",
                            row["off_extra_queries"],
                        )
                        if bypassed
                        else ()
                    ),
                )
                for row in rows
            ],
        )
    )
    peer = "a database without the add-on" if args.peer_db else "hooks bypassed"
    print(
        f"(medians of {args.runs} runs of create + confirm + start + end; "
        f"plain: {peer})"
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "runs": args.runs,
                "rows": rows,
                "peer": "database" if args.peer_db else "bypass",
            }
        )
    )


if __name__ == "__main__":
    main()
