#!/usr/bin/env python3
"""Run or test the add-on against a local Odoo 18.0 and PostgreSQL.

    python3 tools/devtool.py run              # database with demo data, on 127.0.0.1
    python3 tools/devtool.py test             # throwaway database, pytest-odoo suite
    python3 tools/devtool.py test-odoo        # the same suite with Odoo's own runner
    python3 tools/devtool.py check-lifecycle  # install on repairs, upgrade, uninstall
    python3 tools/devtool.py check-wheel      # the wheel; the add-on from it
    python3 tools/devtool.py check-setup      # on an embedded PostgreSQL

click-odoo-contrib makes the databases (cached templates), pytest-odoo and
Odoo's runner run the tests, checklog-odoo reads the logs.  Here is only what
this repository needs: finding Odoo (importable, or ``ODOO_SRC``), the
checkout under the add-on's name, the lifecycle and the wheel's checks.
"""

import argparse
import ast
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import setup_env

MODULE = "service_entitlement"
ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Installed beside the add-on for the tests: what it works with when present
# (Manufacturing's bills of materials fill a serial's components).
TEST_COMPANIONS = ("mrp",)
DEMO_LOGINS = """Demo logins (login / password):
  admin    / admin     administrator, entitlement manager
  manager  / manager   entitlement manager
  desk     / desk      service desk
  tech     / tech      technician
  billing  / billing   billing clerk
  adatum   / adatum    portal customer (Adatum), at /my/entitlements
  fabrikam / fabrikam  portal customer (Fabrikam): a contract quote to sign"""
ODOO_PROBE = """
import os, sys, odoo.addons, odoo.release as r
from odoo.modules import module
print(r.version_info[0], os.path.dirname(odoo.__file__))
paths = list(odoo.addons.__path__) + [os.path.dirname(odoo.__file__) + "/../addons"]
print(*[n for n in sys.argv[1:]
        if not any(module.module_manifest(f"{p}/{n}") for p in paths)])
"""


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def odoo_env():
    """(environment in which ``import odoo`` works, Odoo's package folder),
    after checking that Odoo 18.0 and the add-ons of the manifest are there;
    otherwise stop with what to install."""
    env = dict(os.environ)
    if src := env.get("ODOO_SRC"):
        if not (Path(src) / "odoo" / "release.py").is_file():
            fail(f"ODOO_SRC={src} is not an Odoo source tree (no odoo/release.py).")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    setup_env.python_packages(env)
    probe = capture([sys.executable, "-c", ODOO_PROBE, *manifest_depends()], env)
    if probe.returncode:
        fail(
            f"Odoo 18.0 is not installed for {sys.executable}: install it, or set "
            "ODOO_SRC to its source tree (docs/setup.md)."
        )
    head, missing = [*probe.stdout.splitlines(), ""][:2]
    version, odoo_dir = head.split(" ", 1)
    if version != "18":
        fail(f"Odoo {version} found in {odoo_dir}; this add-on needs Odoo 18.0.")
    if missing:
        fail(
            f"Odoo does not find the add-on(s) {missing} this add-on depends on: "
            "pip install --no-deps -r requirements.txt"
        )
    return setup_env.postgres(env), Path(odoo_dir)


def check_programs(*groups):
    """Each group of alternative programs has one on the PATH."""
    for names in groups:
        if not any(shutil.which(name) for name in names):
            fail(f"{names[0]} is needed by the tests; install it (docs/setup.md).")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manifest_depends():
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text(encoding="utf-8"))
    return manifest.get("depends", [])


def addons_path(odoo_dir, tmp):
    """The checkout linked under the add-on's name, then Odoo's own addons."""
    link_dir = Path(tmp) / "addons"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / MODULE
    if not link.exists():
        link.symlink_to(ROOT, target_is_directory=True)
    paths = [link_dir] + [
        p for p in (odoo_dir / "addons", odoo_dir.parent / "addons") if p.is_dir()
    ]
    return link, ",".join(str(p) for p in paths)


def odoo_cmd(*args, python=sys.executable):
    return [str(python), "-c", "import odoo.cli; odoo.cli.main()", *args]


def tool_cmd(name, *args):
    """A click-odoo-contrib command (which sees Odoo as we do)."""
    code = f"import sys; from click_odoo_contrib.{name} import main; sys.exit(main())"
    return [sys.executable, "-c", code, *args]


def capture(cmd, env=None, cwd=None):
    return subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


def run(cmd, env, log=None, cwd=None, timeout=None):
    """Run ``cmd``; its output goes to ``log`` if given (else to ours)."""
    with open(log or os.devnull, "a", encoding="utf-8") as file:
        out = {"stdout": file, "stderr": subprocess.STDOUT} if log else {}
        try:
            kwargs = {"env": env, "cwd": cwd, "timeout": timeout}
            return subprocess.run(cmd, check=False, **kwargs, **out).returncode
        except subprocess.TimeoutExpired:
            print(f"error: still running after {timeout}s, stopped.", file=sys.stderr)
            return 124


def checklog(*logs):
    """checklog-odoo on each log: [problems], empty when they are clean."""
    problems = []
    for log in logs:
        if not Path(log).exists():
            continue
        config = ["-c", str(ROOT / "checklog-odoo.cfg"), "--no-err-if-empty"]
        done = capture([sys.executable, "-m", "checklog_odoo", *config, str(log)])
        if done.returncode:
            problems.append(f"{Path(log).name}:\n{done.stdout.strip()}")
    return problems


def initdb(env, addons, db, modules, *, demo, log):
    """``db`` with ``modules`` installed, from click-odoo-initdb's cached
    template when one matches the add-ons' sources."""
    started = time.monotonic()
    options = ["--demo" if demo else "--no-demo", "--cache-prefix=se"]
    args = [f"--addons-path={addons}", f"--logfile={log}", "-n", db, "-m", modules]
    code = run(tool_cmd("initdb", *args, *options), env, log)
    print(f"   {modules} ready in {time.monotonic() - started:.0f}s.", flush=True)
    return code


def drop_db(env, name, addons=None):  # and its filestore
    run(tool_cmd("dropdb", "--if-exists", name), env, os.devnull)


@contextmanager
def scratch(kind):
    """(env, temporary folder, addons path, link, database), dropped after."""
    env, odoo_dir = odoo_env()
    tmp = Path(tempfile.mkdtemp(prefix=f"{MODULE}-{kind}-"))
    link, addons = addons_path(odoo_dir, tmp)
    db = f"{MODULE}_{kind}_{os.getpid()}_{int(time.time())}".replace("-", "_")
    try:
        yield env, tmp, addons, link, db
    finally:
        drop_db(env, db)
        shutil.rmtree(tmp, ignore_errors=True)


def report(problems, what):
    if problems:
        print(*problems, f"FAILED: {what}", sep="\n", file=sys.stderr)
    return 1 if problems else 0


def run_dir():
    """This checkout's own folder for the demo server (two clones never share
    one)."""
    return ROOT / ".run"


def wait_for_port(port, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", int(port))) == 0:
                return True
        time.sleep(0.5)
    return False


# The demo's web.base.url, and the addresses its emails were written with.
SET_BASE_URL = """
import sys, psycopg2
with psycopg2.connect(dbname=sys.argv[1]) as cn, cn.cursor() as cr:
    cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'")
    old = cr.fetchone()[0]
    if old != sys.argv[2]:
        cr.execute(
            "UPDATE ir_config_parameter SET value = %s WHERE key = 'web.base.url'",
            (sys.argv[2],),
        )
        cr.execute(
            "UPDATE mail_message SET body = replace(body, %s, %s) WHERE body LIKE %s",
            (old, sys.argv[2], f"%{old}%"),
        )
"""


def hold_run_lock():
    """This checkout's demo lock, held while ``make run`` installs and
    serves, so ``make reset`` never drops a database in use; None when
    another process holds it."""
    run_dir().mkdir(exist_ok=True)
    lock = open(run_dir() / "run.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def cmd_run(args):
    args.lock = hold_run_lock()  # kept open while the demo runs
    if not args.lock:
        fail("the demo of this checkout is running already (`make run`).")
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", int(args.port))) == 0:
            fail(f"port {args.port} is taken: stop what listens there, or PORT=...")
    env, odoo_dir = odoo_env()
    _link, addons = addons_path(odoo_dir, run_dir())
    log = run_dir() / "install.log"
    started = time.monotonic()
    if args.db not in capture(tool_cmd("listdb"), env).stdout.split():
        print(f"-- {args.db}: {MODULE} and its demo data (about 2 min)", flush=True)
        if initdb(env, addons, args.db, MODULE, demo=True, log=log):
            drop_db(env, args.db)
            fail(f"installing {MODULE} failed; see {log}.")
    # Links and images of the demo's emails point where it is served.
    base_url = f"http://127.0.0.1:{args.port}"
    capture([sys.executable, "-c", SET_BASE_URL, args.db, base_url], env)
    options = f"--http-interface=127.0.0.1 --http-port={args.port} --log-level=warn"
    cmd = odoo_cmd(f"--addons-path={addons}", f"--database={args.db}")
    cmd += [f"--db-filter=^{re.escape(args.db)}$", *options.split()]
    process = subprocess.Popen(cmd, env=env)

    def stop(*_args):  # a kill stops the server too, as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        if not wait_for_port(args.port, process):
            process.terminate()
            fail(f"Odoo did not answer on port {args.port}; its log is above.")
        url = f"http://127.0.0.1:{args.port}/odoo/action-{MODULE}.{MODULE}_action"
        print(
            f"{DEMO_LOGINS}\n"
            f"-- Odoo is listening on {url} "
            f"({time.monotonic() - started:.0f}s): Ctrl-C stops it; "
            "`make reset` starts the demo afresh.",
            flush=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        return 0


def cmd_reset(args):
    """Drop the demo database (and its files): the next ``make run`` makes
    it afresh."""
    args.lock = hold_run_lock()
    if not args.lock:
        fail("the demo is running (`make run`): stop it (Ctrl-C) first.")
    env, _odoo_dir = odoo_env()
    drop_db(env, args.db)
    print(f"-- {args.db} dropped; `make run` makes it afresh.", flush=True)
    return 0


def cmd_test(args):
    check_programs(BROWSERS, ("wkhtmltopdf",), ("pdftotext",))
    with scratch("test") as (env, tmp, addons, link, db):
        logs = [tmp / "install.log", tmp / "test.log"]
        print(f"== {MODULE} in the throwaway database {db}", flush=True)
        modules = ",".join((MODULE, *TEST_COMPANIONS))
        if initdb(env, addons, db, modules, demo=False, log=logs[0]):
            return report(checklog(logs[0]) or ["install failed"], "install")
        # pytest-odoo imports Odoo's test framework before it switches test
        # mode on, which makes that module log a spurious error.
        pytest = "-m pytest -q -p no:cacheprovider --odoo-http --odoo-log-level=warn "
        pytest += "--odoo-extra=log-handler=odoo.tests.common:CRITICAL"
        pytest += f" --odoo-database={db} --odoo-addons-path={addons}"
        pytest += f" --odoo-extra=logfile={logs[1]}"
        cmd = [sys.executable, *pytest.split(), *args.pytest_args, str(link / "tests")]
        code = run(cmd, env, cwd=tmp)
        return report(checklog(*logs), "warnings or errors in the Odoo log") or code


# Odoo's and OCA's own suites, run where the add-on is installed: what a shop
# does with Odoo's own buttons must keep working.  (module, test files or
# folder, pytest -k expression or None for all of them.)
PEER_SUITES = (
    ("repair", "tests", None),
    ("contract", "tests", None),
    ("product_warranty", "tests", None),
    (
        "account",
        "tests/test_account_move_out_invoice.py tests/test_account_move_in_invoice.py "
        "tests/test_account_move_entry.py",
        "refund or revers",
    ),
)


def module_dir(env, name):
    done = capture(
        [
            sys.executable,
            "-c",
            f"import os, odoo.addons.{name} as m; print(os.path.dirname(m.__file__))",
        ],
        env,
    )
    if done.returncode:
        fail(f"the add-on {name} is not found: {done.stderr.strip()}")
    return Path(done.stdout.strip())


def cmd_test_peers(args):
    """Odoo's ``repair`` tests (sale orders that create repairs included),
    its tests of credit notes and reversals, and OCA ``contract``'s and
    ``product_warranty``'s tests, on a throwaway database where the add-on
    is installed: they pass unchanged."""
    with scratch("peers") as (env, tmp, addons, _link, db):
        logs = [tmp / "install.log"]
        print(f"== {MODULE} in the throwaway database {db}", flush=True)
        # sale_margin: Odoo's repair tests test its purchase price when it
        # is there (and skip that test otherwise).
        modules = ",".join((MODULE, *TEST_COMPANIONS, "sale_margin"))
        # With demo data, as OCA's and Odoo's CI run them (OCA's tests
        # read Odoo's demo products).
        if initdb(env, addons, db, modules, demo=True, log=logs[0]):
            return report(checklog(logs[0]) or ["install failed"], "install")
        code = 0
        for module, paths, selection in PEER_SUITES:
            where = module_dir(env, module)
            print(
                f"== {module}'s own tests{' (' + selection + ')' if selection else ''}"
            )
            logs.append(tmp / f"{module}.log")
            pytest = (
                "-m pytest -q -p no:cacheprovider --odoo-http --odoo-log-level=warn "
            )
            pytest += "--odoo-extra=log-handler=odoo.tests.common:CRITICAL"
            pytest += f" --odoo-database={db} --odoo-addons-path={addons}"
            pytest += f" --odoo-extra=logfile={logs[-1]}"
            cmd = [sys.executable, *pytest.split(), *args.pytest_args]
            cmd += ["-k", selection] if selection else []
            cmd += [str(where / path) for path in paths.split()]
            code = run(cmd, env, cwd=tmp) or code
        return report(checklog(*logs), "warnings or errors in the Odoo log") or code


def cmd_test_odoo(args):
    """The suite with Odoo's own runner, as OCA CI and runbot run it: the
    dependencies first (with demo data, Odoo's default), then ``odoo -i
    service_entitlement --test-enable``; fails on a failed test or a warning."""
    check_programs(BROWSERS, ("wkhtmltopdf",), ("pdftotext",))
    with scratch("odoo_test") as (env, tmp, addons, _link, db):
        logs = [tmp / "depends.log", tmp / "test.log"]
        depends = ",".join((*manifest_depends(), *TEST_COMPANIONS))
        print(f"== {depends} in the throwaway database {db}", flush=True)
        if initdb(env, addons, db, depends, demo=True, log=logs[0]):
            return report(checklog(logs[0]) or ["install failed"], "install")
        print(f"== {MODULE} and its tests, with Odoo's runner", flush=True)
        options = "--test-enable --stop-after-init --log-level=test "
        options += f"--http-interface=127.0.0.1 --http-port={free_port()}"
        options += f" --addons-path={addons} --database={db} --logfile={logs[1]}"
        cmd = odoo_cmd(f"--init={MODULE}", *options.split(), *args.odoo_args)
        code = run(cmd, env, timeout=args.timeout)
        text = logs[1].read_text(encoding="utf-8")
        result = re.search(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", text)
        print(f"odoo: {result.group(0) if result else 'no test result printed'}")
        ran = ["no test ran"] if not (result and int(result[3])) else []
        return report(checklog(*logs) + ran, "Odoo's runner") or code


# Run by click-odoo: what uninstalling left, and click-odoo-uninstall's call.
LIFECYCLE = {
    "facts": """
cr = env.cr
cr.execute("SELECT to_regclass('service_entitlement')")
table = cr.fetchone()[0]
cr.execute("SELECT count(*) FROM information_schema.columns WHERE "
           "table_name = 'repair_order' AND column_name = 'entitlement_id'")
column = cr.fetchone()[0]
module = env["ir.module.module"].search([("name", "=", "service_entitlement")])
repairs = env["repair.order"].search_count([])
print("FACTS", module.state or "absent", table, column, repairs)
""",
    "uninstall": "from click_odoo_contrib.uninstall import uninstall\n"
    "uninstall(env, ['service_entitlement'])\n",
}


def click_odoo(env, addons, db, tmp, name):
    """Run script ``name`` of LIFECYCLE with click-odoo, its log in
    ``name``.log; what it printed after FACTS."""
    (tmp / f"{name}.py").write_text(LIFECYCLE[name], encoding="utf-8")
    cmd = ["-m", "click_odoo", f"--addons-path={addons}", "-d", db, tmp / f"{name}.py"]
    done = capture([sys.executable, *cmd], env)
    (tmp / f"{name}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    lines = done.stdout.splitlines()
    return next((ln.split()[1:] for ln in lines if ln[:5] == "FACTS"), [])


def cmd_check_lifecycle(args):
    """Install on a database that already has repairs and serial numbers
    (Odoo's demo data), upgrade, uninstall: every step's log is clean, the
    uninstall leaves no table or column behind and every repair in place."""
    with scratch("lifecycle") as (env, tmp, addons, _link, db):
        base = [f"--addons-path={addons}", f"--database={db}", "--no-http"]
        base += ["--log-level=warn", "--stop-after-init"]
        logs = {name: tmp / f"{name}.log" for name in ("repair", "install", "upgrade")}
        print(f"== repair with Odoo's demo data in {db}", flush=True)
        if initdb(env, addons, db, "repair", demo=True, log=logs["repair"]):
            return report(["installing repair failed"], "lifecycle")
        repairs, problems = click_odoo(env, addons, db, tmp, "facts")[-1:], []
        for name, option in (("install", "--init"), ("upgrade", "--update")):
            print(f"== {name}", flush=True)
            if run(odoo_cmd(*base, f"{option}={MODULE}"), env, logs[name]):
                problems.append(f"{name}: failed")
        print("== uninstall", flush=True)
        click_odoo(env, addons, db, tmp, "uninstall")
        facts = click_odoo(env, addons, db, tmp, "facts")
        print(f"after uninstall (module, table, column, repairs): {facts}")
        if facts != ["uninstalled", "None", "0", *repairs]:
            problems.append(f"the uninstall left something, or repairs went: {repairs}")
        logs["uninstall"] = tmp / "uninstall.log"
        return report(checklog(*logs.values()) + problems, "the lifecycle")


WHEEL_PROBE = """
import sys, sysconfig
from odoo.tools import config
from odoo.modules import module
config.parse_config(sys.argv[2:])
module.initialize_sys_path()
print(module.get_module_path(sys.argv[1], display_warning=False))
print(sysconfig.get_paths()["purelib"])
"""


def cmd_check_wheel(args):
    """Build the wheel odoo-addon-service_entitlement (whool, from a copy of
    the sources in a folder named after the add-on), install it in a new
    virtual environment that sees Odoo, check that Odoo finds the add-on
    there and not in the checkout, and install it from the wheel with demo
    data; the log is clean."""
    with scratch("wheel") as (env, tmp, addons, _link, db):
        odoo_addons = addons.split(",", 1)[1]  # without the checkout
        src, run_dir, venv = tmp / "src" / MODULE, tmp / "run", tmp / "venv"
        run_dir.mkdir()
        listed = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        files = subprocess.run(listed, cwd=ROOT, capture_output=True, check=True)
        for name in filter(None, files.stdout.decode().split("\0")):
            if (ROOT / name).is_file():
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, src / name)
        print("== the wheel, in a new virtual environment", flush=True)
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
        if run([*pip, "wheel", "--no-deps", "-w", str(tmp), "."], env, cwd=src):
            fail("building the wheel failed.")
        [wheel] = tmp.glob(f"odoo_addon_{MODULE}-*.whl")
        run([sys.executable, "-m", "venv", "--system-site-packages", venv], env)
        pip[0] = python = venv / "bin" / "python"
        # Its one requirement, Odoo 18.0, is installed beside: no index needed
        # (with Odoo in ODOO_SRC, pip does not know it is there).
        no_deps = ["--no-deps"] if env.get("ODOO_SRC") else []
        if run([*pip, "install", "--no-index", *no_deps, str(wheel)], env, cwd=run_dir):
            fail(f"installing {wheel.name} failed.")
        probe = [python, "-c", WHEEL_PROBE, MODULE, f"--addons-path={odoo_addons}"]
        found = subprocess.run(
            probe, env=env, cwd=run_dir, capture_output=True, text=True, check=False
        ).stdout.split()
        if len(found) != 2 or not Path(found[0]).is_relative_to(found[1]):
            fail(f"Odoo does not find {MODULE} in the wheel's install: {found}")
        print(f"   {wheel.name}: Odoo finds {MODULE} in {found[0]}", flush=True)
        print(f"== {MODULE} from the wheel, with demo data", flush=True)
        log = tmp / "install.log"
        options = f"--init={MODULE} --stop-after-init --log-level=warn --no-http"
        cmd = odoo_cmd(
            f"--addons-path={odoo_addons}", f"--database={db}", python=python
        )
        code = run([*cmd, *options.split(), f"--logfile={log}"], env, cwd=run_dir)
        failed = ["install failed"] if code else []
        return report(checklog(log) + failed, "installing from the wheel")


def cmd_check_setup(args):
    """An embedded PostgreSQL in an empty data folder, Odoo initialized in
    it; the server and its data are gone at the end."""
    data = Path(tempfile.mkdtemp(prefix=f"{MODULE}-pgdata-")) / "data"
    os.environ.update(SE_POSTGRES="embedded", SE_PGDATA=str(data))
    with scratch("setup") as (env, tmp, addons, _link, db):
        code = initdb(env, addons, db, "base", demo=False, log=tmp / "init.log")
        problems = checklog(tmp / "init.log") + (["init failed"] if code else [])
    setup_env.stop_embedded(env)
    shutil.rmtree(data.parent, ignore_errors=True)
    return report(problems, "the set-up on an embedded PostgreSQL")


def cmd_check_fresh(args):
    """``make run`` as a newcomer runs it on a fresh machine: an empty home
    folder, an empty virtual environment that sees nothing of the machine's
    packages, Odoo cloned from ``ODOO_REPO`` (here a local clone) and
    installed with its requirements, the embedded PostgreSQL in an empty
    folder; passes when the demo database answers on its port, then stops
    the server and deletes it all."""
    repo = os.environ.get("ODOO_REPO")
    if not repo:
        fail("make check-fresh needs ODOO_REPO, a git clone of Odoo 18.0.")
    tmp = Path(tempfile.mkdtemp(prefix=f"{MODULE}-fresh-"))
    port = str(free_port())
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ODOO_SRC", "PYTHONPATH", "VIRTUAL_ENV", "PGHOST", "PGUSER")
    }
    env.update(
        HOME=str(tmp / "home"),
        XDG_CACHE_HOME=str(tmp / "home" / ".cache"),
        VENV=str(tmp / "venv"),
        VENV_ISOLATED="1",
        ODOO_CACHE=str(tmp / "cache"),
        SE_POSTGRES="embedded",
        SE_PGDATA=str(tmp / "pgdata" / "data"),
        DB=f"{MODULE}_fresh",
        PORT=port,
        # The machine's interpreter, as a newcomer's python3.
        PYTHON3=sys.executable,
    )
    (tmp / "home").mkdir()
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(ROOT), "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    listening = False
    try:
        for line in process.stdout:
            print(f"   {line.rstrip()}", flush=True)
            if "Odoo is listening on" in line:
                listening = True
                break
            if time.monotonic() - started > args.timeout:
                break
        answer = ""
        if listening:
            url = f"http://127.0.0.1:{port}/web/login"
            with urllib.request.urlopen(url, timeout=60) as response:
                answer = response.read().decode()
        problems = [] if "login" in answer else ["the demo did not answer"]
        if not problems:
            # Each role's pages, as README.md and the manual show them.
            shots = [
                sys.executable,
                ROOT / "tools" / "screenshots.py",
                f"--url=http://127.0.0.1:{port}",
                f"--db={env['DB']}",
                f"--out={tmp / 'screenshots'}",
            ]
            if run([str(part) for part in shots], env):
                problems.append("a demo page shows an error")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        setup_env.stop_embedded(
            {**env, "PGHOST": env["SE_PGDATA"]}, python=tmp / "venv" / "bin" / "python"
        )
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"   the set-up and the demo in {time.monotonic() - started:.0f}s")
    return report(problems, "make run on a fresh machine")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="serve a demo database on 127.0.0.1")
    run_parser.add_argument("--db", default=os.environ.get("DB", f"{MODULE}_demo"))
    run_parser.add_argument("--port", default=os.environ.get("PORT", "8069"))
    reset_parser = sub.add_parser("reset", help="drop the demo database")
    reset_parser.add_argument("--db", default=os.environ.get("DB", f"{MODULE}_demo"))
    sub.add_parser("test").add_argument("pytest_args", nargs="*")
    sub.add_parser("test-peers").add_argument("pytest_args", nargs="*")
    test_odoo = sub.add_parser("test-odoo")
    test_odoo.add_argument(
        "--timeout", type=int, default=int(os.environ.get("TEST_ODOO_TIMEOUT", "900"))
    )
    test_odoo.add_argument("odoo_args", nargs="*", help="e.g. --test-tags=...")
    sub.add_parser("check-lifecycle")
    sub.add_parser("check-wheel")
    sub.add_parser("check-setup")
    sub.add_parser("check-fresh").add_argument(
        "--timeout",
        type=int,
        default=int(os.environ.get("CHECK_FRESH_TIMEOUT", "1200")),
    )
    args = parser.parse_args()
    return globals()[f"cmd_{args.command.replace('-', '_')}"](args)


if __name__ == "__main__":
    sys.exit(main())
