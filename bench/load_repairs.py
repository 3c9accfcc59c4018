#!/usr/bin/env python3
"""Load test: service desk users creating and confirming repairs on shared
entitlements, over JSON-RPC, against Odoo started with several workers.

    python3 bench/load_repairs.py --db SCRATCH_DB [--workers 4 --users 16
        --entitlements 50 --policy mixed --seconds 60 --port 8070 --servers 1]

SCRATCH_DB is a database with service_entitlement installed; the run adds a
customer, the shared entitlements (``--entitlements``, 40 incidents each; their
limit policies alternate block / bill / warn with ``--policy mixed``, or are all
the one given) and its repairs to it. Each user creates and confirms repairs on
the entitlements in turn. Odoo is started on 127.0.0.1 only, for a bounded
time, and stopped at the end. Afterwards the database is checked: nothing
over-consumed (a block entitlement used at most its terms), each counter equal
to its ledger, every billed overage with its billing line. A request that
fails (anything but the policy's block) counts as an error. The last line is
``RESULT {json}``.

With ``--servers 2``, two Odoo servers (separate processes, each with its
workers) serve the one database, the users spread over both, as Odoo scales
out; only the first runs scheduled jobs (one cron worker), and as the load
starts the add-on's active jobs are made due and the cron worker woken: the
run says whether they ran during the load.
"""

import argparse
import functools
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import devtool
from common import table

HOST = "127.0.0.1"
# A log record at WARNING or above: "date time pid LEVEL db logger: ...".
LOG_LEVEL_RE = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--entitlements", type=int, default=50)
    parser.add_argument(
        "--policy", choices=("mixed", "block", "bill", "warn"), default="mixed"
    )
    parser.add_argument("--terms", type=float, default=40)
    parser.add_argument(
        "--counters",
        choices=("apart", "request"),
        default="apart",
        help="apart (default): the reservation on a second connection; "
        "request: in the request's transaction, with Odoo's retries",
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument(
        "--servers",
        type=int,
        default=1,
        help="Odoo servers on the one database, on ports --port, --port + 1...",
    )
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    return parser.parse_args()


class Client:
    """A JSON-RPC client with its own session, like one browser tab."""

    _ids = itertools.count()

    def __init__(self, base, db, login, password):
        self.base = base
        self.cookie = None
        result = self.call(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )
        self.uid = result["uid"]

    def call(self, path, params):
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": next(self._ids),
                "params": params,
            }
        ).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": "application/json"}
        )
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        with urllib.request.urlopen(request, timeout=60) as response:
            cookie = response.headers.get("Set-Cookie")
            if cookie and cookie.startswith("session_id="):
                self.cookie = cookie.split(";", 1)[0]
            payload = json.loads(response.read())
        if payload.get("error"):
            raise RpcError(payload["error"])
        return payload["result"]

    def call_kw(self, model, method, args, kwargs=None):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )


class RpcError(Exception):
    def __init__(self, error):
        super().__init__(error.get("data", {}).get("message") or error.get("message"))
        self.name = error.get("data", {}).get("name", "")


def start_odoo(args, index=0):
    """Odoo server number ``index``: its workers, on ``--port`` + index; the
    first runs the scheduled jobs when there are several servers."""
    env, odoo_dir = devtool.odoo_env()
    tmp = Path(tempfile.mkdtemp(prefix="service_entitlement-load-"))
    _link, addons = devtool.addons_path(odoo_dir, tmp)
    log = open(tmp / "odoo.log", "w", encoding="utf-8")
    port = args.port + index
    crons = 1 if args.servers > 1 and index == 0 else 0
    proc = subprocess.Popen(
        devtool.odoo_cmd(
            f"--addons-path={addons}",
            f"--database={args.db}",
            f"--db-filter=^{args.db}$",
            f"--http-interface={HOST}",
            f"--http-port={port}",
            f"--workers={args.workers}",
            f"--max-cron-threads={crons}",
            "--limit-time-real=120",
            "--log-level=warn",
        ),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/web/health", timeout=2):
                return proc, base, tmp / "odoo.log"
        except OSError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("Odoo did not start; see " + str(tmp / "odoo.log"))


@functools.cache
def sql_env():
    return devtool.odoo_env()[0]


def run_sql(db, sql, params=None):
    """Run ``sql`` on ``db`` with psycopg2, committed; its rows, if any."""
    env = sql_env()
    script = (
        "import psycopg2, json, sys\n"
        "conn = psycopg2.connect(dbname=sys.argv[1])\n"
        "cr = conn.cursor()\n"
        "cr.execute(sys.argv[2], json.loads(sys.argv[3]))\n"
        "rows = cr.fetchall() if cr.description else []\n"
        "conn.commit()\n"
        "print(json.dumps(rows, default=str))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, db, sql, json.dumps(params or [])],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


# The add-on's active scheduled jobs, made due; Odoo's cron workers listen
# for "cron_trigger" on the postgres database, as ir.cron's own trigger says.
CRONS_DUE = """
    UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' - interval '1 minute'
     WHERE active AND id IN (SELECT res_id FROM ir_model_data
                              WHERE module = 'service_entitlement'
                                AND model = 'ir.cron')
 RETURNING id, (now() AT TIME ZONE 'UTC')::text;
"""
CRONS_RAN = "SELECT count(*) FROM ir_cron WHERE id = ANY(%s) AND lastcall >= %s"


def crons_during(db, delay, seen):
    """After ``delay`` seconds, make the add-on's jobs due; ``seen`` gets
    their ids and the time."""
    time.sleep(delay)
    rows = run_sql(db, CRONS_DUE)
    run_sql("postgres", "NOTIFY cron_trigger, %s", [db])
    seen["ids"] = [row[0] for row in rows]
    seen["at"] = rows[0][1] if rows else None


def setup(client, args, tag):
    client.call_kw(
        "ir.config_parameter",
        "set_param",
        ["service_entitlement.counters_in_request", args.counters == "request"],
    )
    partner = client.call_kw(
        "res.partner", "create", [{"name": f"Load customer {tag}", "is_company": True}]
    )
    product = client.call_kw(
        "product.product", "create", [{"name": f"Load device {tag}", "type": "consu"}]
    )
    overage = client.call_kw(
        "product.product",
        "create",
        [{"name": f"Load overage {tag}", "type": "service"}],
    )
    today = time.strftime("%Y-%m-%d")
    policies = ("block", "bill", "warn") if args.policy == "mixed" else (args.policy,)
    entitlements = client.call_kw(
        "service.entitlement",
        "create",
        [
            [
                {
                    "name": f"Load {index} {tag}",
                    "partner_id": partner,
                    "date_start": today,
                    "date_end": f"{int(today[:4]) + 1}{today[4:]}",
                    "total_terms": args.terms,
                    "limit_policy": policies[index % len(policies)],
                    "overage_product_id": overage,
                    "overage_price": 10,
                }
                for index in range(args.entitlements)
            ]
        ],
    )
    client.call_kw("service.entitlement", "action_activate", [entitlements])
    return partner, product, entitlements


def user_loop(base, args, setup_result, deadline, shared):
    partner, product, entitlements, user_no = setup_result
    stats, lock = shared
    client = Client(base, args.db, args.login, args.password)
    for turn in itertools.count(user_no):
        if time.monotonic() >= deadline:
            return
        entitlement = entitlements[turn % len(entitlements)]
        for step in ("create", "confirm"):
            started = time.perf_counter()
            outcome = "ok"
            try:
                if step == "create":
                    repair = client.call_kw(
                        "repair.order",
                        "create",
                        [
                            {
                                "partner_id": partner,
                                "product_id": product,
                                "entitlement_id": entitlement,
                            }
                        ],
                    )
                else:
                    client.call_kw("repair.order", "action_validate", [[repair]])
            except RpcError as error:
                outcome = "blocked" if "blocks it" in str(error) else "error"
                if outcome == "error":
                    with lock:
                        stats["messages"].add(f"{error.name}: {str(error)[:120]}")
            except OSError as error:
                outcome = "error"
                with lock:
                    stats["messages"].add(f"{type(error).__name__}: {error}")
            elapsed = time.perf_counter() - started
            with lock:
                stats["latency"].append(elapsed)
                stats[outcome] += 1
            if outcome != "ok":
                break


def check_ledger(db, entitlement_ids):
    env, _odoo_dir = devtool.odoo_env()
    script = (
        "import psycopg2, json, sys\n"
        "cr = psycopg2.connect(dbname=sys.argv[1]).cursor()\n"
        "cr.execute('''SELECT e.id, e.limit_policy, e.total_terms, e.used_terms,"
        " COALESCE(SUM(c.quantity), 0), COALESCE(SUM(c.overage_quantity), 0),"
        " count(c.id) FILTER (WHERE c.bill_overage AND c.overage_quantity > 0),"
        " (SELECT count(*) FROM service_entitlement_billing_line b"
        "   WHERE b.entitlement_id = e.id)"
        " FROM service_entitlement e LEFT JOIN service_entitlement_consumption c"
        " ON c.entitlement_id = e.id WHERE e.id = ANY(%s) GROUP BY e.id''',"
        " [json.loads(sys.argv[2])])\n"
        "print(json.dumps(cr.fetchall(), default=float))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, db, json.dumps(entitlement_ids)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    args = parse_args()
    if args.servers > 1:
        # Behind one address, as nodes of one Odoo are: the servers' own
        # ports would each rewrite web.base.url at every admin login.
        run_sql(
            args.db,
            "INSERT INTO ir_config_parameter (key, value) VALUES"
            " ('web.base.url.freeze', 'True') ON CONFLICT (key) DO UPDATE"
            " SET value = 'True'",
        )
        # A new database's jobs are all due at once; put them off, so that
        # the cron worker runs the add-on's when they are made due.
        run_sql(
            args.db,
            "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC'"
            " + interval '1 day'; DELETE FROM ir_cron_trigger",
        )
    servers = [start_odoo(args, index) for index in range(args.servers)]
    bases = [base for _proc, base, _log in servers]
    crons = {}
    try:
        admin = Client(bases[0], args.db, args.login, args.password)
        partner, product, entitlements = setup(admin, args, os.getpid())
        stats = {"latency": [], "ok": 0, "blocked": 0, "error": 0, "messages": set()}
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(
                daemon=True,
                target=user_loop,
                args=(
                    # The users spread over the servers.
                    bases[user_no % len(bases)],
                    args,
                    (partner, product, entitlements, user_no),
                    deadline,
                    (stats, lock),
                ),
            )
            for user_no in range(args.users)
        ]
        if args.servers > 1:
            threads.append(
                threading.Thread(
                    daemon=True,
                    target=crons_during,
                    args=(args.db, 1, crons),
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        wall = time.monotonic() - started
    finally:
        for proc, _base, _log in servers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc, _base, _log in servers:
            proc.wait(timeout=30)
    crons_ran = None
    if crons.get("ids"):
        crons_ran = run_sql(args.db, CRONS_RAN, [crons["ids"], crons["at"]])[0][0]
        print(
            f"scheduled jobs run on the first server during the load: "
            f"{crons_ran} of {len(crons['ids'])}"
        )
    requests = len(stats["latency"])
    print(
        table(
            (
                "servers",
                "workers",
                "users",
                "seconds",
                "requests",
                "req/s",
                "p50 ms",
                "p95 ms",
                "ok",
                "blocked",
                "errors",
            ),
            [
                (
                    args.servers,
                    args.workers,
                    args.users,
                    f"{wall:.0f}",
                    requests,
                    f"{requests / wall:.1f}",
                    f"{percentile(stats['latency'], 0.5) * 1000:.0f}",
                    f"{percentile(stats['latency'], 0.95) * 1000:.0f}",
                    stats["ok"],
                    stats["blocked"],
                    stats["error"],
                )
            ],
        )
    )
    for message in sorted(stats["messages"])[:10]:
        print("error:", message)
    rows = check_ledger(args.db, entitlements)
    counters_agree = all(
        abs(used - ledger) < 1e-6 for _i, _p, _t, used, ledger, *_ in rows
    )
    within_terms = all(ledger <= total + 1e-6 for _i, _p, total, _u, ledger, *_ in rows)
    billed = all(billable == lines for *_, billable, lines in rows)
    totals = [sum(column) for column in zip(*[row[2:] for row in rows], strict=True)]
    print(
        table(
            (
                "entitlements",
                "total terms",
                "used",
                "ledger sum",
                "overage",
                "billed overages",
                "billing lines",
            ),
            [(len(rows), *(f"{value:g}" for value in totals))],
        )
    )
    # Odoo logs every refused request at WARNING (odoo.http): the blocks are
    # the expected answer here, anything else is a problem.
    problems = [
        line
        for _proc, _base, log in servers
        for line in log.read_text(encoding="utf-8").splitlines()
        if LOG_LEVEL_RE.match(line)
        and not ("odoo.http:" in line and "its policy blocks it" in line)
    ]
    print(f"counters equal to the ledger: {counters_agree}")
    print(f"nothing consumed beyond the terms: {within_terms}")
    print(f"every billed overage has its billing line: {billed}")
    print(f"warnings or errors in the Odoo log: {len(problems)}")
    for line in problems[:5]:
        print("  " + line)
    result = {
        "servers": args.servers,
        "crons": len(crons.get("ids") or []),
        "crons_ran": crons_ran,
        "workers": args.workers,
        "users": args.users,
        "entitlements": args.entitlements,
        "policy": args.policy,
        "counters": args.counters,
        "seconds": round(wall),
        "requests": requests,
        "req_s": round(requests / wall, 1),
        "p50_ms": round(percentile(stats["latency"], 0.5) * 1000),
        "p95_ms": round(percentile(stats["latency"], 0.95) * 1000),
        "ok": stats["ok"],
        "blocked": stats["blocked"],
        "errors": stats["error"],
        "counters_agree": counters_agree,
        "within_terms": within_terms,
        "billed": billed,
        "log_problems": len(problems),
    }
    print("RESULT " + json.dumps(result))
    good = counters_agree and within_terms and billed
    if crons.get("ids"):
        good = good and crons_ran == len(crons["ids"])
    return 0 if good and not stats["error"] and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
