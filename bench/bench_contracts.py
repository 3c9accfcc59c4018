#!/usr/bin/env python3
"""Benchmark: the daily contract run at scale, next to OCA contract's own run.

    python3 bench/bench_contracts.py --db DB --peer-db PEER \\
        [--sizes 1000,10000 --lines 3 --resume 500]

DB has service_entitlement installed; PEER has its dependencies and not the
add-on (OCA ``contract`` among them).  For each size, in the same run, DB
gets that many service contracts of LINES serial-numbered lines each and
PEER as many plain OCA contracts of LINES lines, the same shape (a customer
each, monthly, prepaid, 100.00 a line and a month, the month's period due
today); then each database's daily job (``cron_recurring_create_invoice``)
runs in a process of its own: seconds, queries and invoices made, and the
process's peak memory.  The add-on invoices service contracts in batches that
commit; OCA's run is one transaction.

Goals: the add-on's run takes at most GOAL_RATIO times OCA's time, and as
many queries per invoice, at each size; its time per invoice at the largest
size is at most GOAL_LINEAR times that at the smallest (linear); its peak
memory at the largest size is at most GOAL_MEMORY times that at the smallest
(bounded).  Then, with RESUME more contracts due on DB, a run that fails
midway keeps the batches it committed and a second run invoices the rest,
each period once.

Both databases keep what the script makes: run it on copies.  The last line
printed is ``RESULT {json}`` with the figures.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from common import boot, table

GOAL_RATIO = 1.2
GOAL_LINEAR = 1.2
GOAL_MEMORY = 1.25
LINE_PRICE = 100.0  # a month


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--peer-db", required=True)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--resume", type=int, default=500)
    # The steps, each in a process of its own (the script calls itself).
    parser.add_argument("--step", choices=("build", "run", "resume"))
    parser.add_argument("--side", choices=("addon", "peer"))
    parser.add_argument("--count", type=int)
    parser.add_argument("--tag", default="")
    return parser.parse_args()


def first_of_month():
    return date.today().replace(day=1)


def make_partners(env, count, tag):
    return env["res.partner"].create(
        [
            {"name": f"Contract customer {tag}{i}", "is_company": True}
            for i in range(count)
        ]
    )


def build_addon(env, count, lines, tag):
    """``count`` active service contracts of ``lines`` serials each."""
    product = env["product.product"].create(
        {
            "name": f"Serviced unit {tag}",
            "type": "consu",
            "is_storable": True,
            "tracking": "serial",
        }
    )
    partners = make_partners(env, count, tag)
    lots = env["stock.lot"].create(
        [
            {
                "name": f"SN-{tag}{i}-{n}",
                "product_id": product.id,
                "company_id": env.company.id,
                "customer_id": partner.id,
            }
            for i, partner in enumerate(partners)
            for n in range(lines)
        ]
    )
    start = first_of_month()
    Entitlement = env["service.entitlement"]
    for offset in range(0, count, 500):
        chunk = partners[offset : offset + 500]
        contracts = Entitlement.create(
            [
                {
                    "name": f"Service contract {tag}{offset + i}",
                    "entitlement_type": "service_contract",
                    "partner_id": partner.id,
                    "date_start": start,
                    "invoice_period": "month",
                    "invoice_prepaid": True,
                    "total_terms": 12,
                    "contract_line_ids": [
                        (0, 0, {"lot_id": lot.id, "line_value": LINE_PRICE * 12})
                        for lot in lots[(offset + i) * lines : (offset + i + 1) * lines]
                    ],
                }
                for i, partner in enumerate(chunk)
            ]
        )
        contracts.action_activate()
        env.cr.commit()
        env.invalidate_all()


def build_peer(env, count, lines, tag):
    """``count`` plain OCA contracts of ``lines`` lines each."""
    product = env["product.product"].create(
        {"name": f"Support {tag}", "type": "service", "list_price": LINE_PRICE}
    )
    partners = make_partners(env, count, tag)
    start = first_of_month()
    for offset in range(0, count, 500):
        env["contract.contract"].create(
            [
                {
                    "name": f"Contract {tag}{offset + i}",
                    "partner_id": partner.id,
                    "contract_type": "sale",
                    "line_recurrence": True,
                    "contract_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "name": f"Support, unit {n + 1}",
                                "quantity": 1,
                                "price_unit": LINE_PRICE,
                                "recurring_rule_type": "monthly",
                                "recurring_interval": 1,
                                "recurring_invoicing_type": "pre-paid",
                                "date_start": start,
                            },
                        )
                        for n in range(lines)
                    ],
                }
                for i, partner in enumerate(partners[offset : offset + 500])
            ]
        )
        env.cr.commit()
        env.invalidate_all()


def invoice_count(cr):
    cr.execute(
        "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' "
        "AND invoice_origin IS NOT NULL"
    )
    return cr.fetchone()[0]


def twice_count(cr):
    """Contract lines invoiced more than once (each has one period due)."""
    cr.execute(
        "SELECT count(*) FROM (SELECT contract_line_id FROM account_move_line "
        "WHERE contract_line_id IS NOT NULL GROUP BY contract_line_id "
        "HAVING count(*) > 1) twice"
    )
    return cr.fetchone()[0]


def step_build(args):
    odoo, registry = boot(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        started = time.perf_counter()
        build = build_addon if args.side == "addon" else build_peer
        build(env, args.count, args.lines, args.tag)
        cr.commit()
        print(
            "STEP " + json.dumps({"seconds": round(time.perf_counter() - started, 1)})
        )


def step_run(args):
    """The daily job, as the cron calls it: its own transaction(s)."""
    odoo, registry = boot(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        before = invoice_count(cr)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queries = cr.sql_log_count
        started = time.perf_counter()
        env["contract.contract"].cron_recurring_create_invoice()
        env.flush_all()
        cr.commit()
        seconds = time.perf_counter() - started
        queries = cr.sql_log_count - queries
        made = invoice_count(cr) - before
        print(
            "STEP "
            + json.dumps(
                {
                    "seconds": round(seconds, 3),
                    "queries": queries,
                    "invoices": made,
                    "twice": twice_count(cr),
                    "rss_mb_start": round(rss_before / 1024, 1),
                    "rss_mb_peak": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                    ),
                }
            )
        )


def step_resume(args):
    """A run that fails in its third batch, then a second run."""
    odoo, registry = boot(args.db)
    from odoo.exceptions import UserError

    from odoo.addons.service_entitlement.models import contract_contract

    Contract = registry["contract.contract"]
    original = Contract._recurring_create_invoice
    calls = []

    def failing(self, date_ref=False):
        calls.append(len(self))
        if len(calls) == 3:
            raise UserError("The server stopped (a failure made on purpose).")
        return original(self, date_ref)

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        before = invoice_count(cr)
        Contract._recurring_create_invoice = failing
        try:
            env["contract.contract"].cron_recurring_create_invoice()
        except UserError as error:
            message = error.args[0]
        else:
            message = ""
        finally:
            Contract._recurring_create_invoice = original
        cr.rollback()
        kept = invoice_count(cr) - before
        env.invalidate_all()
        env["contract.contract"].cron_recurring_create_invoice()
        cr.commit()
        print(
            "STEP "
            + json.dumps(
                {
                    "batch": contract_contract.INVOICE_BATCH,
                    "failed": bool(message),
                    "message": message,
                    "kept": kept,
                    "total": invoice_count(cr) - before,
                    "twice": twice_count(cr),
                }
            )
        )


def call(args, step, side, count=0, tag=""):
    db = args.db if side == "addon" else args.peer_db
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--db",
        db,
        "--peer-db",
        args.peer_db,
        "--lines",
        str(args.lines),
        "--step",
        step,
        "--side",
        side,
        "--count",
        str(count),
        "--tag",
        tag,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("STEP "):
            return json.loads(line[5:])
    sys.stderr.write(done.stdout + done.stderr)
    raise SystemExit(f"{step} on {side} failed")


def side_figures(side, run):
    """The figures of one side's run, keyed ``{side}_...``."""
    invoices = max(run["invoices"], 1)
    return {
        f"{side}_seconds": run["seconds"],
        f"{side}_invoices": run["invoices"],
        f"{side}_queries_per_invoice": round(run["queries"] / invoices, 2),
        f"{side}_ms_per_invoice": round(1000 * run["seconds"] / invoices, 2),
        f"{side}_rss_mb": run["rss_mb_peak"],
    }


def report(args, sizes, runs, resume):
    rows = []
    for size in sizes:
        ours = side_figures("addon", runs[size]["addon"])
        peer = side_figures("peer", runs[size]["peer"])
        rows.append(
            {
                "contracts": size,
                **ours,
                **peer,
                "ratio": round(ours["addon_seconds"] / peer["peer_seconds"], 3),
                "query_ratio": round(
                    ours["addon_queries_per_invoice"]
                    / max(peer["peer_queries_per_invoice"], 1e-9),
                    3,
                ),
                "twice": runs[size]["addon"]["twice"],
                "build_addon_seconds": runs[size]["build_addon"],
                "build_peer_seconds": runs[size]["build_peer"],
            }
        )
    print(
        table(
            (
                "contracts",
                "add-on s",
                "invoices",
                "queries/inv",
                "MB peak",
                "OCA s",
                "invoices",
                "queries/inv",
                "MB peak",
                "time ratio",
            ),
            [
                (
                    r["contracts"],
                    f"{r['addon_seconds']:.1f}",
                    r["addon_invoices"],
                    f"{r['addon_queries_per_invoice']:.2f}",
                    f"{r['addon_rss_mb']:.0f}",
                    f"{r['peer_seconds']:.1f}",
                    r["peer_invoices"],
                    f"{r['peer_queries_per_invoice']:.2f}",
                    f"{r['peer_rss_mb']:.0f}",
                    f"{r['ratio']:.2f}",
                )
                for r in rows
            ],
        )
    )
    small, large = rows[0], rows[-1]
    complete = all(
        r["addon_invoices"] == r["contracts"] == r["peer_invoices"] and not r["twice"]
        for r in rows
    )
    within = all(
        r["ratio"] <= GOAL_RATIO and r["query_ratio"] <= GOAL_RATIO for r in rows
    )
    per_invoice = large["addon_ms_per_invoice"], small["addon_ms_per_invoice"]
    linear = per_invoice[0] <= GOAL_LINEAR * per_invoice[1]
    bounded = large["addon_rss_mb"] <= GOAL_MEMORY * small["addon_rss_mb"]
    resumed = (
        resume["failed"]
        and 0 < resume["kept"] < args.resume
        and resume["total"] == args.resume
        and not resume["twice"]
    )
    met = complete and within and linear and bounded and resumed
    print(
        f"Every contract invoiced once: {complete}; at most {GOAL_RATIO:g}x OCA's "
        f"time and queries per invoice: {within}; linear ({per_invoice[0]:.2f} ms "
        f"an invoice at {large['contracts']}, {per_invoice[1]:.2f} at "
        f"{small['contracts']}): {linear}; memory bounded ({large['addon_rss_mb']:.0f}"
        f" MB against {small['addon_rss_mb']:.0f}): {bounded}; a run failing "
        f"midway kept {resume['kept']} of {args.resume} invoices and a second run "
        f"made {resume['total']} in all, none twice: {resumed}."
    )
    print(f"Goal: {'met' if met else 'NOT met'}")
    return {
        "bench": "contracts",
        "lines": args.lines,
        "sizes": rows,
        "resume": {**resume, "contracts": args.resume},
        "goal_ratio": GOAL_RATIO,
        "goal_linear": GOAL_LINEAR,
        "goal_memory": GOAL_MEMORY,
        "complete": complete,
        "within_ratio": within,
        "linear": linear,
        "memory_bounded": bounded,
        "resumed": bool(resumed),
        "goal_met": bool(met),
    }


def main():
    args = parse_args()
    if args.step:
        {"build": step_build, "run": step_run, "resume": step_resume}[args.step](args)
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    runs = {}
    for size in sizes:
        runs[size] = {}
        for side in ("addon", "peer"):
            built = call(args, "build", side, size, tag=f"{size}-")
            runs[size][f"build_{side}"] = built["seconds"]
            print(f"{size} contracts built on {side} in {built['seconds']:.0f}s")
        for side in ("addon", "peer"):
            runs[size][side] = call(args, "run", side)
            print(f"{side} run of {size}: {runs[size][side]}", flush=True)
    call(args, "build", "addon", args.resume, tag="resume-")
    resume = call(args, "resume", "addon")
    print(f"resume: {resume}")
    result = report(args, sizes, runs, resume)
    print("RESULT " + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
