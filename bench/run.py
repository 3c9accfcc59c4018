#!/usr/bin/env python3
"""Run the benchmarks of this folder on copies of a throwaway database and
write bench/RESULTS.md with the figures and a verdict per goal.

    python3 bench/run.py                # the goals' sizes (make bench)
    python3 bench/run.py --size soak    # load runs of 5 minutes
"""

import argparse
import ast
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from devtool import (
    MODULE,
    ROOT,
    addons_path,
    checklog,
    drop_db,
    free_port,
    initdb,
    odoo_env,
)

# The goals bench/RESULTS.md reports on; each verdict is computed from the
# figures of the run against these.
FLOW_MAX_EXTRA_QUERIES = 4
FLOW_MAX_TIME_RATIO = 1.10
MATCH_MAX_QUERIES = 5
MATCH_MAX_MS = 20
LEDGER_MIN_FRACTION = 0.25
INVOICE_MAX_QUERIES = 2
# What the goals are stated for: the sizes ``make bench`` runs.
GOAL_ENTITLEMENTS = 100_000
GOAL_LOAD_SECONDS = 60
# ``--size soak``: load runs long enough to show what builds up over time.
SOAK_LOAD_SECONDS = 300
GOAL_INVOICE_LINES = 10_000
GOAL_CONTRACTS = 10_000
FULL_LEDGER_ROWS = 50_000
# A large customer on the portal.
GOAL_PORTAL_ENTITLEMENTS = 1_000
GOAL_PORTAL_REPAIRS = 20_000
PORTAL_MAX_MS = 300


def manifest_depends():
    """The add-on's dependencies, as its manifest declares them."""
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text(encoding="utf-8"))
    return manifest["depends"]


def install_logged(addons, db, log, modules, *, demo):
    """``initdb``: (exit code, problems of its log)."""
    env, _odoo_dir = odoo_env()
    code = initdb(env, addons, db, modules, demo=demo, log=log)
    return code, checklog(log)


def bench_plan(size):
    """(name, script, arguments) of each run, at ``size``: the goals' sizes,
    with load runs of 5 minutes each in ``soak``. Each runs on a copy of the
    installed database, so that what one commits does not change the next
    one's figures."""
    seconds = str(SOAK_LOAD_SECONDS if size == "soak" else GOAL_LOAD_SECONDS)
    load = ["--workers", "4", "--seconds", seconds]
    two_servers = ["--servers", "2", "--workers", "2", "--seconds", seconds]
    return [
        ("flow", "bench_flow.py", ["--runs", "15", "--entitlements", "100000"]),
        (
            "matching",
            "bench_matching.py",
            ["--entitlements", "100000", "--customers", "20000", "--runs", "15"],
        ),
        (
            "ledger",
            "bench_ledger.py",
            ["--rows", str(FULL_LEDGER_ROWS), "--entitlements", "500"],
        ),
        (
            "load_shared",
            "load_repairs.py",
            [*load, "--users", "16", "--entitlements", "50", "--policy", "mixed"],
        ),
        (
            "load_block",
            "load_repairs.py",
            [*load, "--users", "8", "--entitlements", "1", "--policy", "block"],
        ),
        (
            "load_bill",
            "load_repairs.py",
            [*load, "--users", "8", "--entitlements", "1", "--policy", "bill"],
        ),
        # The same on two Odoo servers of 2 workers each (4 in all), the
        # users spread over both, the scheduled jobs on the first.
        *(
            (
                f"load2_{name}",
                "load_repairs.py",
                [*two_servers, "--users", users, "--entitlements", count, *policy],
            )
            for name, users, count, policy in (
                ("shared", "16", "50", ["--policy", "mixed"]),
                ("block", "8", "1", ["--policy", "block"]),
                ("bill", "8", "1", ["--policy", "bill"]),
            )
        ),
        (
            "invoicing",
            "bench_invoicing.py",
            # Fewer customers would make batches of a few invoices, where the
            # fixed part of Odoo's own account.move.create is over the goal.
            ["--lines", "10000", "--customers", "1000"],
        ),
        (
            "contracts",
            "bench_contracts.py",
            ["--sizes", f"1000,{GOAL_CONTRACTS}", "--lines", "3", "--resume", "500"],
        ),
        (
            "portal",
            "bench_portal.py",
            [
                "--entitlements",
                str(GOAL_PORTAL_ENTITLEMENTS),
                "--repairs",
                str(GOAL_PORTAL_REPAIRS),
                "--runs",
                "15",
            ],
        ),
    ]


# The runs compared with a database that has the add-on's dependencies and not
# the add-on: each gets a copy of it as ``--peer-db``.
PEER_RUNS = ("flow", "contracts")


COPY_DB = """
import os, shutil, sys, psycopg2
from psycopg2.sql import SQL, Identifier
from odoo.tools import config
source, target, addons = sys.argv[1:]
config.parse_config([f"--addons-path={addons}"])
cnx = psycopg2.connect(dbname="postgres")
cnx.autocommit = True
cnx.cursor().execute(
    SQL("CREATE DATABASE {} TEMPLATE {}").format(Identifier(target), Identifier(source))
)
if os.path.isdir(config.filestore(source)):
    shutil.copytree(config.filestore(source), config.filestore(target))
"""


def copy_db(env, addons, source, target):
    """``target`` as a copy of ``source`` (``createdb -T``), with its filestore."""
    done = subprocess.run(
        [sys.executable, "-c", COPY_DB, source, target, addons],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"copying {source} to {target} failed:\n{done.stderr}")


def run_script(cmd, env, log_path):
    """Run a benchmark script, echo its output and keep it in ``log_path``;
    return its exit code and the figures of its ``RESULT {json}`` line (None
    without one). Stopped by Ctrl-C, the script is asked to stop too (so that
    it stops the Odoo it started) before the runner goes on to clean up."""
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                log.write(line)
            code = proc.wait()
        except BaseException:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            raise
    result = None
    for line in log_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("RESULT "):
            try:
                result = json.loads(line[len("RESULT ") :])
            except ValueError:
                result = None
    return code, result


def machine_facts(env):
    """Cores, memory, and the versions of PostgreSQL, Python and Odoo in use."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform, psycopg2, odoo.release as r; "
            "c = psycopg2.connect(dbname='postgres'); cr = c.cursor(); "
            "cr.execute('SHOW server_version'); print(cr.fetchone()[0].split()[0]); "
            "print(platform.python_version()); print(r.version)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    postgres, python, odoo_version = probe.stdout.split()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory = f"{memory:.0f} GiB memory"
    except (ValueError, OSError, AttributeError):
        memory = "memory unknown"
    return (
        f"{os.cpu_count()} cores, {memory}, {platform.system()} "
        f"{platform.machine()}; PostgreSQL {postgres} on the same machine, "
        f"Python {python}, Odoo {odoo_version}"
    )


def verdict(met):
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def yes(value):
    return "yes" if value else "no"


def bench_flow_section(result):
    rows, table, met, missed = result["rows"], [], True, []
    bypassed = bool(rows) and all("bypassed_ms" in row for row in rows)
    for row in rows:
        extra = row.get("extra_queries", row["addon_queries"] - row["plain_queries"])
        ratio = row.get("time_ratio") or row["addon_ms"] / row["plain_ms"]
        if extra > FLOW_MAX_EXTRA_QUERIES:
            missed.append(f"{extra:g} extra queries at {row['entitlements']:,}")
        if ratio > FLOW_MAX_TIME_RATIO:
            missed.append(f"time ratio {ratio:.3f} at {row['entitlements']:,}")
        ok = extra <= FLOW_MAX_EXTRA_QUERIES and ratio <= FLOW_MAX_TIME_RATIO
        met = met and ok
        table.append(
            [
                f"{row['entitlements']:,}",
                f"{row['addon_ms']:.1f}",
                f"{row['addon_queries']:g}",
                f"{row['plain_ms']:.1f}",
                f"{row['plain_queries']:g}",
                f"{extra:g}",
                f"{ratio:.2f}",
                *(
                    (f"{row['bypassed_ms']:.1f}", f"{row['bypassed_ratio']:.2f}")
                    if bypassed
                    else ()
                ),
                yes(ok),
            ]
        )
    sizes = {row["entitlements"] for row in rows}
    notes = [
        f"Medians of {result.get('runs', '?')} runs, alternating the add-on's "
        "flow and plain Odoo's in the same run: "
        + (
            "a database with the add-on's dependencies and not the add-on."
            if result.get("peer") == "database"
            else "the add-on's database with its hooks bypassed."
        )
    ]
    if bypassed:
        notes.append(
            "Hooks bypassed: the add-on's flow in the same rotation with its "
            "hooks bypassed (no entitlement matched, checked or used), against "
            "plain Odoo: what its fields and overrides of the repair cost on "
            "their own."
        )
    if missed:
        notes.append("Over the goal: " + ", ".join(missed) + ".")
    if not (min(sizes) <= 10 and max(sizes) >= GOAL_ENTITLEMENTS):
        met = False
        notes.append(f"Not run at 10 and {GOAL_ENTITLEMENTS:,} entitlements.")
    header = [
        "entitlements",
        "add-on ms",
        "add-on queries",
        "plain ms",
        "plain queries",
        "extra queries",
        "time ratio",
        *(("hooks bypassed ms", "hooks bypassed ratio") if bypassed else ()),
        f"<= {FLOW_MAX_EXTRA_QUERIES} extra, <= {FLOW_MAX_TIME_RATIO:.2f}x",
    ]
    return header, table, notes, met


def bench_matching_section(result):
    small, large = result["entitlements"]
    table, met = [], True
    for case in ("covered", "excluded", "uncovered", "create"):
        figures = result[case]
        ratio = figures["ms_large"] / figures["ms_10"] if figures["ms_10"] else 0
        ok = None
        if case != "create":
            ok = (
                max(figures["queries_10"], figures["queries_large"])
                <= MATCH_MAX_QUERIES
                and max(figures["ms_10"], figures["ms_large"]) <= MATCH_MAX_MS
                and figures["queries_large"] == figures["queries_10"]
            )
            met = met and ok
        table.append(
            [
                "create a repair (whole)" if case == "create" else f"match, {case}",
                f"{figures['ms_10']:.1f}",
                f"{figures['queries_10']:g}",
                f"{figures['ms_large']:.1f}",
                f"{figures['queries_large']:g}",
                f"{ratio:.2f}",
                "(not a goal)" if ok is None else yes(ok),
            ]
        )
    notes = [
        f"Medians of {result['runs']} runs, caches cold; {result['customers']:,} "
        f"customers; ANALYZE saw {result['analysed_rows']:,.0f} entitlements. "
        "Flat: the same number of queries at both sizes, and both times within "
        f"{MATCH_MAX_MS} ms.",
    ]
    if large < GOAL_ENTITLEMENTS:
        met = False
        notes.append(f"Not run at {GOAL_ENTITLEMENTS:,} entitlements.")
    header = [
        "operation",
        f"ms at {small:,}",
        f"queries at {small:,}",
        f"ms at {large:,}",
        f"queries at {large:,}",
        "time ratio",
        f"<= {MATCH_MAX_QUERIES} queries, <= {MATCH_MAX_MS} ms, flat",
    ]
    return header, table, notes, met


def bench_ledger_section(result):
    fraction = result.get("fraction_of_raw") or (
        result["orm_rows_s"] / result["raw_rows_s"]
    )
    met = fraction >= LEDGER_MIN_FRACTION
    header = [
        "rows",
        "API s",
        "API rows/s",
        "raw INSERT s",
        "raw rows/s",
        "fraction of raw",
        f">= {LEDGER_MIN_FRACTION:g}",
    ]
    table = [
        [
            f"{result['rows']:,}",
            f"{result['orm_s']:.2f}",
            f"{result['orm_rows_s']:,.0f}",
            f"{result['raw_s']:.2f}",
            f"{result['raw_rows_s']:,.0f}",
            f"{fraction:.2f}",
            yes(met),
        ]
    ]
    notes = [
        "The API (`_record`, in batches"
        + (f" of {result['batch']:,}" if result.get("batch") else "")
        + ") writes the rows and moves the counters; the raw side INSERTs the "
        "same rows and updates the counters in SQL, in the same run."
    ]
    if result["rows"] < FULL_LEDGER_ROWS:
        notes.append(f"The goal's size is {FULL_LEDGER_ROWS:,} rows.")
    return header, table, notes, met


def bench_portal_section(result):
    pages = result["pages"]
    met = all(page["ms"] <= PORTAL_MAX_MS for page in pages)
    header = ["page", "path", "median ms", "max ms", f"<= {PORTAL_MAX_MS} ms"]
    table = [
        [
            page["page"],
            f"`{page['path']}`",
            f"{page['ms']:.0f}",
            f"{page['max_ms']:.0f}",
            yes(page["ms"] <= PORTAL_MAX_MS),
        ]
        for page in pages
    ]
    notes = [
        f"{result['entitlements']:,} entitlements and {result['repairs']:,} "
        f"repairs, {result['busiest_rows']:,} of their ledger rows on the "
        f"entitlement whose usage is opened; medians of {result['runs']} "
        "requests a page, after one warm-up, as the customer's portal user. "
        "The query-count tests (tests/test_portal.py) hold that no page costs "
        "a query per row."
    ]
    return header, table, notes, met


LOAD_LABELS = {
    "load_shared": "16 users, 50 shared entitlements",
    "load_block": "8 users, one block entitlement",
    "load_bill": "8 users, one bill entitlement",
    "load2_shared": "two servers: 16 users, 50 shared entitlements",
    "load2_block": "two servers: 8 users, one block entitlement",
    "load2_bill": "two servers: 8 users, one bill entitlement",
}


def bench_load_section(results):
    header = [
        "run",
        "seconds",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "ok",
        "blocked",
        "failed",
        "within terms",
        "counters = ledger",
        "overages billed",
        "jobs run",
        "goal",
    ]
    table, met, notes = [], True, []
    for name, result in results:
        if result is None:
            table.append([LOAD_LABELS[name], *["-"] * (len(header) - 2), "failed"])
            continue
        ok = result["errors"] == 0
        if not name.endswith("_shared"):
            ok = (
                ok
                and result["within_terms"]
                and result["counters_agree"]
                and result["billed"]
            )
        crons = result.get("crons")
        if crons:
            ok = ok and result.get("crons_ran") == crons
        met = met and ok
        table.append(
            [
                LOAD_LABELS[name],
                result["seconds"],
                result["requests"],
                f"{result['req_s']:g}",
                result["p50_ms"],
                result["p95_ms"],
                result["ok"],
                result["blocked"],
                result["errors"],
                yes(result["within_terms"]),
                yes(result["counters_agree"]),
                yes(result["billed"]),
                f"{result.get('crons_ran')} of {crons}" if crons else "-",
                yes(ok),
            ]
        )
        if result.get("log_problems"):
            notes.append(
                f"{LOAD_LABELS[name]}: {result['log_problems']} warning(s) or "
                "error(s) in the Odoo log besides the expected blocks."
            )
    seconds = {r["seconds"] for _n, r in results if r}
    notes.insert(
        0,
        "One Odoo server with 4 workers, then two (separate processes of 2 "
        "workers each, on the one database, the users spread over both, as Odoo "
        "scales out behind one address); each user creates and confirms repairs "
        "over JSON-RPC, the entitlements in turn. Shared entitlements alternate "
        "the block, bill and warn policies, 40 incidents each; blocked is the "
        "block policy's expected refusal, failed is anything else. On two "
        "servers only the first runs scheduled jobs: as the load starts, the "
        "add-on's active jobs (states, alerts, reservations to settle, planned "
        "repairs, late fees) are made due and its cron worker woken; jobs run "
        "counts those that ran during the load.",
    )
    if seconds and max(seconds) < GOAL_LOAD_SECONDS - 5:
        notes.append(
            f"Runs of about {max(seconds)} s here; the goal is stated for "
            f"{GOAL_LOAD_SECONDS} s runs."
        )
    return header, table, notes, met


def bench_invoicing_section(result):
    header = [
        "lines",
        "invoices",
        "add-on s",
        "queries/invoice",
        "account.move.create s",
        "queries/invoice",
        "time ratio",
        f"<= {INVOICE_MAX_QUERIES}/invoice",
    ]
    table, met = [], True
    for batch in result["batches"]:
        ok = batch["addon_queries_per_invoice"] <= INVOICE_MAX_QUERIES
        met = met and ok
        table.append(
            [
                f"{batch['lines']:,}",
                f"{batch['invoices']:,}",
                f"{batch['addon_seconds']:.2f}",
                f"{batch['addon_queries_per_invoice']:.2f}",
                f"{batch['plain_seconds']:.2f}",
                f"{batch['plain_queries_per_invoice']:.2f}",
                f"{batch['addon_seconds'] / batch['plain_seconds']:.2f}",
                yes(ok),
            ]
        )
    notes = [
        f"{result['lines']:,} billing lines of {result['customers']:,} customers, "
        "invoiced in two batches after a warm-up; `account.move.create` is Odoo "
        "creating the same invoices directly, in the same run."
    ]
    if result["lines"] < GOAL_INVOICE_LINES:
        notes.append(f"Fewer lines than the goal's {GOAL_INVOICE_LINES:,}.")
    return header, table, notes, met


def bench_contracts_section(result):
    header = [
        "contracts",
        "invoices",
        "add-on s",
        "ms/invoice",
        "queries/invoice",
        "peak MB",
        "OCA s",
        "ms/invoice",
        "queries/invoice",
        "peak MB",
        "time ratio",
        "query ratio",
    ]
    table = [
        [
            f"{row['contracts']:,}",
            f"{row['addon_invoices']:,}",
            f"{row['addon_seconds']:.1f}",
            f"{row['addon_ms_per_invoice']:.1f}",
            f"{row['addon_queries_per_invoice']:.2f}",
            f"{row['addon_rss_mb']:.0f}",
            f"{row['peer_seconds']:.1f}",
            f"{row['peer_ms_per_invoice']:.1f}",
            f"{row['peer_queries_per_invoice']:.2f}",
            f"{row['peer_rss_mb']:.0f}",
            f"{row['ratio']:.2f}",
            f"{row['query_ratio']:.2f}",
        ]
        for row in result["sizes"]
    ]
    small, large = result["sizes"][0], result["sizes"][-1]
    resume = result["resume"]
    notes = [
        f"Service contracts of {result['lines']} serial-numbered lines each, "
        "monthly and prepaid, the month due, invoiced by the daily job "
        "(`cron_recurring_create_invoice`) in batches that commit; OCA "
        "contract's own run invoices as many plain contracts of the same shape "
        "on a database without the add-on, in the same run.",
        f"Every contract invoiced once: {yes(result['complete'])}. "
        f"At most {result['goal_ratio']:g}x OCA's time and queries per invoice: "
        f"{yes(result['within_ratio'])}. Linear, "
        f"{large['addon_ms_per_invoice']:.1f} ms an invoice at "
        f"{large['contracts']:,} against {small['addon_ms_per_invoice']:.1f} at "
        f"{small['contracts']:,} (at most {result['goal_linear']:g}x): "
        f"{yes(result['linear'])}. Memory bounded, {large['addon_rss_mb']:.0f} MB "
        f"against {small['addon_rss_mb']:.0f} (at most "
        f"{result['goal_memory']:g}x): {yes(result['memory_bounded'])}.",
        f"A run of {resume['contracts']:,} more that fails midway kept "
        f"{resume['kept']:,} invoices; the second run made {resume['total']:,} "
        f"in all, {resume['twice']} twice: {yes(result['resumed'])}.",
    ]
    met = result["goal_met"]
    if large["contracts"] < GOAL_CONTRACTS:
        met = False
        notes.append(f"Not run at {GOAL_CONTRACTS:,} contracts.")
    return header, table, notes, met


BENCH_GOALS = [
    (
        "1. Repair flow: create, confirm, start, end",
        f"At most {FLOW_MAX_EXTRA_QUERIES} queries more than plain Odoo repair and "
        f"at most {FLOW_MAX_TIME_RATIO:.2f}x its time, with 10 and with "
        f"{GOAL_ENTITLEMENTS:,} entitlements.",
        ["flow"],
        bench_flow_section,
    ),
    (
        "2. Matching a repair",
        f"At most {MATCH_MAX_QUERIES} queries and {MATCH_MAX_MS} ms at "
        f"{GOAL_ENTITLEMENTS:,} entitlements of 20,000 customers after ANALYZE, "
        f"flat from 10 to {GOAL_ENTITLEMENTS:,}.",
        ["matching"],
        bench_matching_section,
    ),
    (
        "3. Ledger writes",
        "Writes through the add-on's consumption API reach at least "
        f"{LEDGER_MIN_FRACTION:g} of raw INSERT's rate.",
        ["ledger"],
        bench_ledger_section,
    ),
    (
        "4. Under load",
        f"Odoo with 4 workers, then two Odoo servers of 2 workers each on the "
        f"one database. 16 users on 50 shared entitlements for "
        f"{GOAL_LOAD_SECONDS} s: no failed request. 8 users on one entitlement: no "
        "failed request, nothing consumed beyond its terms, counters equal to the "
        "ledger, a billing line for every billed overage. On two servers, the "
        "add-on's scheduled jobs run on the first during the load.",
        [
            "load_shared",
            "load_block",
            "load_bill",
            "load2_shared",
            "load2_block",
            "load2_bill",
        ],
        None,
    ),
    (
        "5. Invoicing",
        f"Invoicing {GOAL_INVOICE_LINES:,} billing lines costs at most "
        f"{INVOICE_MAX_QUERIES} queries per invoice.",
        ["invoicing"],
        bench_invoicing_section,
    ),
    (
        "6. Contract runs",
        f"{GOAL_CONTRACTS:,} service contracts of 3 lines due in one run: at most "
        "1.2x the time and the queries per invoice of OCA contract's own run on "
        f"plain contracts of the same shape, linear from 1,000 to "
        f"{GOAL_CONTRACTS:,}, memory bounded; a run that fails midway keeps what "
        "it invoiced and the next one invoices the rest, nothing twice.",
        ["contracts"],
        bench_contracts_section,
    ),
    (
        "7. Portal of a large customer",
        f"A customer with {GOAL_PORTAL_ENTITLEMENTS:,} entitlements and "
        f"{GOAL_PORTAL_REPAIRS:,} repairs opens *My Entitlements* and an "
        f"entitlement's usage (first and last pages) in at most {PORTAL_MAX_MS} "
        "ms each, over HTTP.",
        ["portal"],
        bench_portal_section,
    ),
]


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def bench_report(size, plan, results, *, facts, started, elapsed):
    """The text of bench/RESULTS.md, and the verdict of each goal."""
    commands = {
        name: f"`{script} {' '.join(arguments)}`" for name, script, arguments in plan
    }
    summary, sections = [], []
    for title, goal, names, render in BENCH_GOALS:
        section = [f"## {title}", "", goal, ""]
        section.append("Run: " + ", ".join(commands[name] for name in names) + ".")
        section.append("")
        if render is None:  # the load runs, each of which may have failed
            header, table, notes, met = bench_load_section(
                [(name, results.get(name)) for name in names]
            )
        elif results.get(names[0]) is None:
            header, table, notes, met = None, None, [], None
        else:
            header, table, notes, met = render(results[names[0]])
        if table:
            section += [*markdown_table(header, table), ""]
        failed = [name for name in names if results.get(name) is None]
        if failed:
            notes.append(
                "The script failed or printed no figures: "
                + ", ".join(commands[name] for name in failed)
                + "."
            )
            if met:  # what ran met the goal, what failed may not
                met = None
        section += [" ".join(notes), "", f"Verdict: {verdict(met)}.", ""]
        sections += section
        summary.append([title, verdict(met)])
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench`; the verdicts are computed from the figures "
        "below against the goals.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} (the whole run took {elapsed / 60:.0f} min)",
        f"- Size: `{size}`"
        + (
            " (the goals' sizes, load runs of 5 minutes)"
            if size == "soak"
            else " (the goals' sizes)"
        ),
        f"- Machine: {facts}",
        "",
        "Each script runs on its own copy of a database with the add-on installed "
        "without demo data; ratios compare two measurements of the same run. "
        "Other work on the machine changes the times: the ratios and query counts "
        "are the figures to watch.",
        "",
        *markdown_table(["goal", "verdict"], summary),
        "",
        *sections,
        "## Running them again",
        "",
        "```sh",
        "make bench                           # the goals' sizes, about an hour",
        'make bench BENCH_ARGS="--size soak"  # load runs of 5 minutes',
        "```",
        "",
        "Each script also runs alone on a database with the add-on, with the "
        "arguments shown above (see the top of each script).",
        "",
    ]
    return "\n".join(lines), summary


def bench_one(run, db, env, tmp):
    """Run one benchmark script on ``db``; its exit code, figures and output."""
    name, script, arguments = run
    extra = (
        ["--port", str(free_port())]
        if script in ("load_repairs.py", "bench_portal.py")
        else []
    )
    cmd = [sys.executable, str(ROOT / "bench" / script), "--db", db, *arguments]
    print(f"\n== {name}: {script} {' '.join(arguments)}", flush=True)
    started = time.monotonic()
    log = tmp / f"{name}.log"
    code, result = run_script([*cmd, *extra], env, log)
    print(f"({name}: {time.monotonic() - started:.0f}s)", flush=True)
    return code, result, log.read_text(encoding="utf-8")


def bench_on_copies(run, env, addons, *, db, peer, made, tmp):
    """``bench_one`` on a copy of ``db`` (and of ``peer`` for the runs that
    compare with it), dropped afterwards; ``made`` lists the copies that
    exist meanwhile."""
    name, script, arguments = run
    copies = {f"{db}_{name}": db}
    if name in PEER_RUNS:
        copies[f"{peer}_{name}"] = peer
        arguments = [*arguments, "--peer-db", f"{peer}_{name}"]
    for copy, source in copies.items():
        made.append(copy)
        copy_db(env, addons, source, copy)
    # What the scripts leave in their temporary folders goes with ours.
    script_env = {**env, "TMPDIR": str(tmp / "scripts")}
    try:
        return bench_one((name, script, arguments), f"{db}_{name}", script_env, tmp)
    finally:
        for copy in copies:
            drop_db(env, copy, addons)
            made.remove(copy)


def cmd_bench(args):
    """Install the add-on without demo data in a throwaway database (failing on
    any warning), run each benchmark script on a copy of it, collect the
    ``RESULT`` lines and write bench/RESULTS.md with the verdicts. Fails when a
    script fails, not when a goal is missed."""
    env, odoo_dir = odoo_env()
    # Stopped by Ctrl-C or a TERM signal, stop the script that runs and drop
    # the databases. (Started in the background, a shell ignores SIGINT for
    # it, and for the scripts: with a handler here, they get the default.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix=f"{MODULE}-bench-"))
    _link, addons = addons_path(odoo_dir, tmp)
    (tmp / "scripts").mkdir()
    db = f"{MODULE}_bench_{os.getpid()}_{int(time.time())}"
    made = [db]
    plan = bench_plan(args.size)
    results, failures = {}, []
    started, clock = datetime.datetime.now(), time.monotonic()
    try:
        print(f"Installing {MODULE} without demo data in {db}...")
        code, problems = install_logged(
            addons, db, tmp / "install.log", MODULE, demo=False
        )
        if code or problems:
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            print(f"FAILED: installing {MODULE} is not clean.", file=sys.stderr)
            return code or 1
        # The true peer of the flow and the contract runs: the add-on's
        # dependencies, not the add-on.
        peer = f"{db}_peer"
        made.append(peer)
        print(f"Installing {MODULE}'s dependencies only in {peer}...")
        code, problems = install_logged(
            addons, peer, tmp / "peer.log", ",".join(manifest_depends()), demo=False
        )
        if code or problems:
            print("FAILED: installing the dependencies is not clean.", file=sys.stderr)
            return code or 1
        for run in plan:
            name = run[0]
            code, result, log = bench_on_copies(
                run, env, addons, db=db, peer=peer, made=made, tmp=tmp
            )
            if result is None:
                failures.append((name, code, log.splitlines()[-15:]))
            results[name] = result
        elapsed = time.monotonic() - clock
        report, summary = bench_report(
            args.size,
            plan,
            results,
            facts=machine_facts(env),
            started=started,
            elapsed=elapsed,
        )
        (ROOT / "bench" / "RESULTS.md").write_text(report, encoding="utf-8")
        print(f"\nWrote bench/RESULTS.md ({args.size}, {elapsed / 60:.1f} min):")
        for title, met in summary:
            print(f"  {title}: {met.strip('*')}")
        for name, code, tail in failures:
            print(
                f"\nFAILED: {name} (exit code {code}) printed no RESULT line; "
                "its last lines:",
                file=sys.stderr,
            )
            for line in tail:
                print(f"  {line}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        for name in made:
            drop_db(env, name, addons)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        choices=("goals", "soak"),
        default="goals",
        help="goals (default): the goals' sizes, about an hour on 2 cores; "
        "soak: load runs of 5 minutes",
    )
    return cmd_bench(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
