#!/usr/bin/env python3
"""Benchmark: a large customer's portal pages, over HTTP, as the customer's
browser asks for them.

    python3 bench/bench_portal.py --db SCRATCH_DB [--entitlements 1000
        --repairs 20000 --runs 15 --port 8071]

SCRATCH_DB is a database with service_entitlement installed; the run adds a
customer with ``--entitlements`` entitlements and ``--repairs`` repairs, each
with its row in the ledger (half of them on one entitlement, the others
spread over the rest), written in SQL from one repair and one row made by the
ORM, and a portal user of that customer. Odoo is started on 127.0.0.1 (one
process, threaded) and the user's session asks, in turn, for *My
Entitlements* (its first and last page) and for the busiest entitlement's
page (its usage: first and last page). Each page's median, over ``--runs``
rounds after one warm-up, is compared with the goal of 300 ms. The last line
is ``RESULT {json}``.
"""

import argparse
import json
import os
import signal
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

from common import boot, bulk_data, median, table
from load_repairs import start_odoo
from screenshots import session_cookie

GOAL_MS = 300
PAGE_SIZE = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--entitlements", type=int, default=1000)
    parser.add_argument("--repairs", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--port", type=int, default=8071)
    return parser.parse_args()


def copy_rows(cr, table_name, count, values):
    """INSERT ``count`` copies of the row ``values["id"]`` of ``table_name``,
    one per ``g`` from 1 to ``count``, its other columns as they are but
    those of ``values`` (SQL expressions over ``g``); returns the new ids."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id'",
        [table_name],
    )
    columns = [name for (name,) in cr.fetchall()]
    source = values.pop("id")
    exprs = [values.get(name, f'src."{name}"') for name in columns]
    quoted = ", ".join(f'"{name}"' for name in columns)
    cr.execute(
        f'INSERT INTO "{table_name}" ({quoted}) '
        f"SELECT {', '.join(exprs)} "
        f'FROM "{table_name}" src, generate_series(1, %(count)s) g '
        "WHERE src.id = %(source)s ORDER BY g RETURNING id",
        {"count": count, "source": source},
    )
    return [row_id for (row_id,) in cr.fetchall()]


def setup(odoo, registry, args):
    """The customer, its portal user, entitlements, repairs and ledger rows:
    (login, the busiest entitlement's id)."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        tag = str(time.time_ns())
        customer = env["res.partner"].create(
            {"name": f"Portal bench customer {tag}", "is_company": True}
        )
        login = f"portal-bench-{tag}"
        env["res.users"].create(
            {
                "name": "Portal bench user",
                "login": login,
                "password": login,
                "parent_id": customer.id,
                "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
            }
        )
        product = env["product.product"].create(
            {
                "name": "Portal bench laptop",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        lot = env["stock.lot"].create(
            {
                "name": f"PORTAL-BENCH-{tag}",
                "product_id": product.id,
                "customer_id": customer.id,
            }
        )
        env.flush_all()
        today = date.today()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM service_entitlement")
        (last_id,) = cr.fetchone()
        bulk_data().insert_entitlements(
            cr,
            args.entitlements,
            {
                "partner_id": "%(customer)s",
                "company_id": "%(company)s",
                "date_start": "%(start)s",
                "date_end": "%(end)s",
                "code": f"'PB{tag[-6:]}/' || g",
                "total_terms": "100000",
                "remaining_terms": "100000",
            },
            {
                "customer": customer.id,
                "company": env.company.id,
                "start": today - timedelta(days=30),
                "end": today + timedelta(days=335),
            },
        )
        cr.execute(
            "SELECT id FROM service_entitlement WHERE id > %s AND partner_id = %s "
            "ORDER BY id",
            [last_id, customer.id],
        )
        entitlement_ids = [row_id for (row_id,) in cr.fetchall()]
        busiest = entitlement_ids[0]
        env.invalidate_all()
        repair = env["repair.order"].create(
            {"partner_id": customer.id, "product_id": product.id, "lot_id": lot.id}
        )
        row = env["service.entitlement.consumption"]._record(
            {
                "entitlement_id": busiest,
                "quantity": 0.0,
                "res_model": "repair.order",
                "res_id": repair.id,
            }
        )
        env.flush_all()
        count = args.repairs - 1
        repair_ids = copy_rows(
            cr,
            "repair_order",
            count,
            {"id": repair.id, "name": f"'PB{tag[-6:]}/' || g", "state": "'done'"},
        )
        # Half the rows on the busiest entitlement, the others spread over
        # the rest.
        repairs = "(ARRAY[" + ",".join(map(str, repair_ids)) + "])[g]"
        others = "(ARRAY[" + ",".join(map(str, entitlement_ids)) + "])"
        copy_rows(
            cr,
            "service_entitlement_consumption",
            count,
            {
                "id": row.id,
                "res_id": repairs,
                "repair_id": repairs,
                "entitlement_id": f"CASE WHEN g %% 2 = 0 THEN {busiest} "
                f"ELSE {others}[1 + g %% {len(entitlement_ids)}] END",
            },
        )
        cr.execute("ANALYZE repair_order")
        cr.execute("ANALYZE service_entitlement_consumption")
        cr.execute("ANALYZE service_entitlement")
        cr.commit()
        cr.execute(
            "SELECT COUNT(*) FROM service_entitlement_consumption "
            "WHERE entitlement_id = %s",
            [busiest],
        )
        (busy_rows,) = cr.fetchone()
    return login, busiest, busy_rows, f"PB{tag[-6:]}/"


def get(base, cookie, path):
    """(milliseconds, body) of one page."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read().decode()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000, body


def main():
    args = parse_args()
    odoo, registry = boot(args.db)
    login, busiest, busy_rows, prefix = setup(odoo, registry, args)
    last_list = (args.entitlements + PAGE_SIZE - 1) // PAGE_SIZE
    last_usage = (busy_rows + PAGE_SIZE - 1) // PAGE_SIZE
    pages = {
        "My Entitlements, first page": "/my/entitlements",
        "My Entitlements, last page": f"/my/entitlements/page/{last_list}",
        "usage, first page": f"/my/entitlements/{busiest}",
        "usage, last page": f"/my/entitlements/{busiest}/page/{last_usage}",
    }
    proc, base, log = start_odoo(
        SimpleNamespace(db=args.db, port=args.port, workers=0, servers=1)
    )
    try:
        # The portal user's password is its login, as the demo's are.
        cookie = "session_id=" + session_cookie(base, args.db, login)
        times = {name: [] for name in pages}
        for index in range(args.runs + 1):
            for name, path in pages.items():
                ms, body = get(base, cookie, path)
                # The customer's entitlements, or the busiest one's repairs.
                if index == 0 and body.count(prefix) < PAGE_SIZE // 2:
                    raise SystemExit(f"{path}: not the customer's page")
                if index:
                    times[name].append(ms)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
    rows = [
        {
            "page": name,
            "path": pages[name],
            "ms": round(median(values), 1),
            "max_ms": round(max(values), 1),
            "met": median(values) <= GOAL_MS,
        }
        for name, values in times.items()
    ]
    print(
        f"{args.entitlements} entitlements, {args.repairs} repairs "
        f"({busy_rows} on the busiest entitlement), medians of {args.runs}:"
    )
    print(
        table(
            ["page", "median ms", "max ms", f"goal <= {GOAL_MS} ms"],
            [
                [r["page"], f"{r['ms']:.0f}", f"{r['max_ms']:.0f}", str(r["met"])]
                for r in rows
            ],
        )
    )
    result = {
        "entitlements": args.entitlements,
        "repairs": args.repairs,
        "busiest_rows": busy_rows,
        "runs": args.runs,
        "goal_ms": GOAL_MS,
        "pages": rows,
    }
    print("RESULT " + json.dumps(result))
    return 0 if Path(log).exists() else 1


if __name__ == "__main__":
    sys.exit(main())
