#!/usr/bin/env python3
"""Run or test the add-on against a local Odoo 18.0 and PostgreSQL.

    python3 tools/devtool.py run          # database with demo data, on 127.0.0.1
    python3 tools/devtool.py test         # throwaway database, pytest-odoo suite
    python3 tools/devtool.py test-odoo    # the same suite with Odoo's own runner
    python3 tools/devtool.py check-wheel  # build the wheel, install the add-on from it

Odoo is found as an importable ``odoo`` package or, failing that, in the
source tree named by the ``ODOO_SRC`` environment variable.
"""

import argparse
import ast
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MODULE = "service_entitlement"
ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGINS = [
    ("admin", "admin", "administrator, entitlement manager"),
    ("manager", "manager", "entitlement manager"),
    ("desk", "desk", "service desk"),
    ("tech", "tech", "technician"),
    ("billing", "billing", "billing clerk"),
    ("adatum", "adatum", "portal customer (Adatum), at /my/entitlements"),
]
# A log line is "LEVEL logger:" after the timestamp, pid and database.
LOG_LEVEL_RE = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def odoo_env():
    """Environment in which ``import odoo`` works, or stop with advice."""
    env = dict(os.environ)
    src = env.get("ODOO_SRC")
    if src:
        if not (Path(src) / "odoo" / "release.py").is_file():
            fail(f"ODOO_SRC={src} is not an Odoo source tree (no odoo/release.py).")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import odoo.release as r, os, odoo; "
            "print(r.version_info[0]); print(os.path.dirname(odoo.__file__))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        fail(
            "Odoo 18.0 is not installed for "
            f"{sys.executable}.\n"
            "  Get the Odoo 18.0 community source, install its requirements and "
            "the source itself\n"
            "  (pip install -r requirements.txt && pip install -e .), or point "
            "ODOO_SRC at the source tree.\n"
            "  See README.md, section 'Installing Odoo 18.0'."
        )
    version, odoo_dir = probe.stdout.split()
    if version != "18":
        fail(f"Odoo {version} found in {odoo_dir}; this add-on needs Odoo 18.0.")
    return env, Path(odoo_dir)


def check_postgres(env):
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import psycopg2; psycopg2.connect(dbname='postgres', "
            f"host={env.get('PGHOST', '')!r} or None).close()",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        fail(
            "PostgreSQL is not reachable: "
            f"{probe.stderr.strip().splitlines()[-1] if probe.stderr else ''}\n"
            "  Install and start PostgreSQL (Debian/Ubuntu: apt-get install "
            "postgresql) and create a role\n"
            "  for your user that may create databases: "
            "sudo -u postgres createuser -d $USER"
        )


def check_browser():
    """The UI tour runs in headless Chromium, as Odoo's own tours do."""
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    if not any(shutil.which(name) for name in names):
        fail(
            "Chromium is needed for the UI tour tests and was not found.\n"
            "  Install it (Debian/Ubuntu: apt-get install chromium) and run again."
        )


def check_report_tools():
    """The statement is printed by wkhtmltopdf and read back with pdftotext."""
    missing = [name for name in ("wkhtmltopdf", "pdftotext") if not shutil.which(name)]
    if missing:
        fail(
            f"{' and '.join(missing)} needed for the PDF statement test, and not "
            "found.\n"
            "  Install them (Debian/Ubuntu: apt-get install wkhtmltopdf "
            "poppler-utils) and run again."
        )


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manifest_depends():
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text(encoding="utf-8"))
    return manifest.get("depends", [])


def odoo_addons_dirs(odoo_dir):
    """Odoo's own addons folders (``odoo/addons`` and, in a source tree, ``addons``)."""
    return [
        candidate
        for candidate in (odoo_dir / "addons", odoo_dir.parent / "addons")
        if candidate.is_dir()
    ]


def addons_path(odoo_dir, tmp):
    """Our module linked under its technical name, then Odoo's own addons."""
    link_dir = Path(tmp) / "addons"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / MODULE
    if not link.exists():
        link.symlink_to(ROOT, target_is_directory=True)
    paths = [link_dir, *odoo_addons_dirs(odoo_dir)]
    return link, ",".join(str(p) for p in paths)


def odoo_cmd(*args, python=sys.executable):
    return [
        str(python),
        "-c",
        "import sys, odoo.cli; sys.argv[0] = 'odoo'; odoo.cli.main()",
        *args,
    ]


def run_logged(cmd, env, log_path, cwd=None, timeout=None):
    """Run ``cmd``, echo its output and keep it in ``log_path``. After
    ``timeout`` seconds, Odoo is asked for the stack of every thread (it logs
    them on SIGQUIT), then stopped."""
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def expire():
            print(f"error: still running after {timeout}s, stopping it.", flush=True)
            proc.send_signal(signal.SIGQUIT)
            time.sleep(5)
            proc.kill()

        timer = threading.Timer(timeout, expire) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        code = proc.wait()
        if timer:
            timer.cancel()
        return code


def log_problems(log_path):
    problems = []
    with open(log_path, encoding="utf-8") as log:
        for line in log:
            if LOG_LEVEL_RE.match(line):
                problems.append(line.rstrip())
    return problems


def db_exists(env, name):
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import psycopg2, sys; c = psycopg2.connect(dbname='postgres'); "
            "cr = c.cursor(); cr.execute('SELECT 1 FROM pg_database WHERE datname=%s',"
            " (sys.argv[1],)); print(bool(cr.fetchone()))",
            name,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip() == "True"


def drop_db(env, name, addons):
    """Drop the database and its filestore, as ``odoo db drop`` does."""
    dropped = subprocess.run(
        odoo_cmd("db", f"--addons-path={addons}", "drop", name),
        env=env,
        capture_output=True,
        check=False,
    )
    if dropped.returncode == 0:
        return
    # Still open connections, or a build without ``odoo db``: force it in SQL.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import psycopg2, sys; c = psycopg2.connect(dbname='postgres'); "
            "c.autocommit = True; c.cursor().execute("
            "'DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)' % sys.argv[1])",
            name,
        ],
        env=env,
        capture_output=True,
        check=False,
    )


def cmd_run(args):
    env, odoo_dir = odoo_env()
    check_postgres(env)
    tmp = Path(tempfile.gettempdir()) / f"{MODULE}-run"
    _link, addons = addons_path(odoo_dir, tmp)
    base = [
        f"--addons-path={addons}",
        f"--database={args.db}",
        f"--db-filter=^{re.escape(args.db)}$",
        "--http-interface=127.0.0.1",
        f"--http-port={args.port}",
    ]
    if not db_exists(env, args.db):
        print(f"Creating database {args.db} with {MODULE} and its demo data...")
        code = subprocess.run(
            odoo_cmd(*base, f"--init={MODULE}", "--stop-after-init"),
            env=env,
            check=False,
        ).returncode
        if code:
            drop_db(env, args.db, addons)
            fail(f"installing {MODULE} failed (exit code {code}).")
    url = f"http://127.0.0.1:{args.port}/odoo/action-service_entitlement.service_entitlement_action"
    print(f"\nOdoo is starting on {url}\nDemo logins (login / password):")
    for login, password, role in DEMO_LOGINS:
        print(f"  {login:8} / {password:8}  {role}")
    print()
    os.execvpe(sys.executable, odoo_cmd(*base), env)


def cmd_test(args):
    env, odoo_dir = odoo_env()
    check_postgres(env)
    check_browser()
    check_report_tools()
    tmp = tempfile.mkdtemp(prefix=f"{MODULE}-test-")
    link, addons = addons_path(odoo_dir, tmp)
    db = f"{MODULE}_test_{os.getpid()}_{int(time.time())}"
    install_log = Path(tmp) / "install.log"
    test_log = Path(tmp) / "test.log"
    odoo_test_log = Path(tmp) / "odoo-test.log"
    try:
        print(f"Installing {MODULE} in the throwaway database {db}...")
        started = time.monotonic()
        code = run_logged(
            odoo_cmd(
                f"--addons-path={addons}",
                f"--database={db}",
                f"--db-filter=^{db}$",
                f"--init={MODULE}",
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
                "--no-http",
            ),
            env,
            install_log,
        )
        print(f"Installed in {time.monotonic() - started:.0f}s.")
        if code:
            fail(f"installing {MODULE} failed (exit code {code}).")
        problems = log_problems(install_log)
        pytest_args = [
            sys.executable,
            "-m",
            "pytest",
            f"--odoo-database={db}",
            f"--odoo-addons-path={addons}",
            "--odoo-log-level=warn",
            "--odoo-http",
            f"--odoo-extra=logfile={odoo_test_log}",
            # pytest-odoo imports Odoo's test framework before it switches test
            # mode on, which makes that module log a spurious error.
            "--odoo-extra=log-handler=odoo.tests.common:CRITICAL",
            "-p",
            "no:cacheprovider",
            "-q",
            *args.pytest_args,
            str(link / "tests"),
        ]
        code = run_logged(pytest_args, env, test_log, cwd=tmp)
        problems += log_problems(test_log)
        if odoo_test_log.exists():
            problems += log_problems(odoo_test_log)
        if problems:
            print(
                f"\nFAILED: {len(problems)} warning(s) or error(s) in the Odoo log:",
                file=sys.stderr,
            )
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            return code or 1
        return code
    finally:
        drop_db(env, db, addons)
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_check_install(args):
    """Install with demo data in a throwaway database; fail on any warning."""
    env, odoo_dir = odoo_env()
    check_postgres(env)
    tmp = tempfile.mkdtemp(prefix=f"{MODULE}-install-")
    _link, addons = addons_path(odoo_dir, tmp)
    db = f"{MODULE}_install_{os.getpid()}_{int(time.time())}"
    log = Path(tmp) / "install.log"
    try:
        print(f"Installing {MODULE} with demo data in {db}...")
        code = run_logged(
            odoo_cmd(
                f"--addons-path={addons}",
                f"--database={db}",
                f"--init={MODULE}",
                "--stop-after-init",
                "--log-level=warn",
                "--no-http",
            ),
            env,
            log,
        )
        problems = log_problems(log)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        if code or problems:
            print("FAILED: the demo install is not clean.", file=sys.stderr)
            return code or 1
        print("Demo install is clean.")
        return 0
    finally:
        drop_db(env, db, addons)
        shutil.rmtree(tmp, ignore_errors=True)


LIFECYCLE_CHECK = """
import sys
ours = env["ir.model.data"].search_count(
    [("module", "=", "service_entitlement"), ("model", "=", "repair.order")]
)
repairs = env["repair.order"].search_count([]) - ours
module = env["ir.module.module"].search([("name", "=", "service_entitlement")])
module.button_immediate_uninstall()
env.cr.commit()
env.cr.execute("SELECT to_regclass('service_entitlement')")
table = env.cr.fetchone()[0]
env.cr.execute(
    "SELECT count(*) FROM information_schema.columns "
    "WHERE table_name = 'repair_order' AND column_name = 'entitlement_id'"
)
column = env.cr.fetchone()[0]
left = env["repair.order"].search_count([])
print("LIFECYCLE", module.state, table, column, repairs, left)
"""


def cmd_check_lifecycle(args):
    """Install on a database that already has repairs and serials, upgrade,
    uninstall; fail on any warning or error of those steps."""
    env, odoo_dir = odoo_env()
    check_postgres(env)
    tmp = tempfile.mkdtemp(prefix=f"{MODULE}-lifecycle-")
    _link, addons = addons_path(odoo_dir, tmp)
    db = f"{MODULE}_lifecycle_{os.getpid()}_{int(time.time())}"
    base = [f"--addons-path={addons}", f"--database={db}", "--no-http"]
    problems = []
    try:
        print(f"Creating {db} with repairs and serial numbers (Odoo demo data)...")
        code = run_logged(
            odoo_cmd(*base, "--init=repair", "--stop-after-init", "--log-level=warn"),
            env,
            Path(tmp) / "repair.log",
        )
        if code:
            fail("installing repair failed.")
        steps = [
            ("install", [f"--init={MODULE}", "--stop-after-init"], None),
            ("upgrade", [f"--update={MODULE}", "--stop-after-init"], None),
            ("uninstall", ["shell", "--log-level=warn"], LIFECYCLE_CHECK),
        ]
        result = ""
        for name, extra, stdin in steps:
            print(f"== {name}")
            log = Path(tmp) / f"{name}.log"
            cmd = (
                odoo_cmd(extra[0], *base, *extra[1:])
                if extra[0] == "shell"
                else odoo_cmd(*base, *extra, "--log-level=warn")
            )
            with open(log, "w", encoding="utf-8") as out:
                proc = subprocess.run(
                    cmd,
                    env=env,
                    input=stdin,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                    check=False,
                )
            text = log.read_text(encoding="utf-8")
            if stdin:
                result = next(
                    (
                        line
                        for line in text.splitlines()
                        if line.startswith("LIFECYCLE")
                    ),
                    "",
                )
            found = log_problems(log)
            problems += [f"{name}: {line}" for line in found]
            if proc.returncode:
                problems.append(f"{name}: exit code {proc.returncode}")
        print(result)
        parts = result.split()
        if len(parts) != 6:
            problems.append("uninstall: no result printed")
        else:
            state, table, column, before, after = parts[1:]
            if state != "uninstalled" or table != "None" or column != "0":
                problems.append(f"uninstall left {state=} {table=} {column=}")
            if before != after:
                problems.append(f"repairs before {before}, after uninstall {after}")
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        if problems:
            print("FAILED: the module lifecycle is not clean.", file=sys.stderr)
            return 1
        print("Install, upgrade and uninstall are clean.")
        return 0
    finally:
        drop_db(env, db, addons)
        shutil.rmtree(tmp, ignore_errors=True)


# Odoo's runner ends with "N failed, N error(s) of N tests when loading database"
# (logged as a warning when no test ran, as an error when one failed).
ODOO_RESULT_RE = re.compile(
    r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests when loading"
)
ODOO_SKIPPED_RE = re.compile(r"^\S+ \S+ \d+ INFO \S+ \S+: skipped ")


def odoo_test_summary(text):
    """Count the tests in the log of Odoo's test runner: "N passed, N failed"
    (and ", N skipped"), and what is wrong with the run if anything."""
    result = ODOO_RESULT_RE.search(text)
    if not result:
        return None, "Odoo's runner stopped before printing its test result"
    failed, errors, total = (int(n) for n in result.groups())
    if not total:
        return None, "Odoo's runner ran no test"
    skipped = sum(1 for line in text.splitlines() if ODOO_SKIPPED_RE.match(line))
    passed = total - failed - errors - skipped
    summary = f"{passed} passed, {failed + errors} failed"
    return summary + (f", {skipped} skipped" if skipped else ""), None


def cmd_test_odoo(args):
    """The suite with Odoo's own runner, as OCA CI and runbot run it: the
    dependencies are installed first (with demo data, Odoo's default), then
    ``odoo -i service_entitlement --test-enable``. Fails on any failed test
    and on any warning or error in the log, as ``test`` does."""
    env, odoo_dir = odoo_env()
    check_postgres(env)
    check_browser()
    check_report_tools()
    tmp = tempfile.mkdtemp(prefix=f"{MODULE}-test-odoo-")
    _link, addons = addons_path(odoo_dir, tmp)
    db = f"{MODULE}_odoo_test_{os.getpid()}_{int(time.time())}"
    base = [f"--addons-path={addons}", f"--database={db}", f"--db-filter=^{db}$"]
    depends_log = Path(tmp) / "depends.log"
    test_log = Path(tmp) / "test.log"
    try:
        depends = ",".join(manifest_depends() or ["base"])
        print(f"Installing {depends} with demo data in the throwaway database {db}...")
        started = time.monotonic()
        code = run_logged(
            odoo_cmd(
                *base,
                f"--init={depends}",
                "--stop-after-init",
                "--log-level=warn",
                "--no-http",
            ),
            env,
            depends_log,
        )
        print(f"Installed in {time.monotonic() - started:.0f}s.")
        if code:
            fail(f"installing {depends} failed (exit code {code}).")
        problems = log_problems(depends_log)
        print(f"Installing {MODULE} and running its tests with Odoo's runner...")
        started = time.monotonic()
        code = run_logged(
            odoo_cmd(
                *base,
                f"--init={MODULE}",
                "--test-enable",
                "--stop-after-init",
                "--log-level=test",
                "--http-interface=127.0.0.1",
                f"--http-port={free_port()}",
                *args.odoo_args,
            ),
            env,
            test_log,
            timeout=args.timeout,
        )
        print(f"Ran in {time.monotonic() - started:.0f}s.")
        problems += log_problems(test_log)
        summary, wrong = odoo_test_summary(test_log.read_text(encoding="utf-8"))
        if summary:
            print(f"\nodoo: {summary}")
        if wrong:
            problems.append(wrong)
        if problems:
            print(
                f"\nFAILED: {len(problems)} warning(s) or error(s) in the Odoo log:",
                file=sys.stderr,
            )
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            return code or 1
        return code
    finally:
        drop_db(env, db, addons)
        shutil.rmtree(tmp, ignore_errors=True)


def copy_sources(dst):
    """Copy what a clone of the repository has (and new files git does not
    ignore) to ``dst``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode:  # not a git checkout
        shutil.copytree(
            ROOT,
            dst,
            ignore=shutil.ignore_patterns(
                ".git", "__pycache__", "*.py[co]", ".*_cache", "build", "dist"
            ),
        )
        return
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():  # a file deleted but not yet staged is gone
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dst / name)


def build_wheel(env, tmp):
    """Build the wheel, as pip does, from a copy of the sources in a folder
    named after the add-on: whool names the wheel after it, whatever the
    clone's name."""
    src = tmp / "src" / MODULE
    copy_sources(src)
    print(f"Building the wheel from a copy of the sources in a folder {MODULE}...")
    started = time.monotonic()
    code = run_logged(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(tmp / "dist"),
            ".",
        ],
        env,
        tmp / "build.log",
        cwd=src,
    )
    shutil.rmtree(tmp / "src")
    wheels = sorted((tmp / "dist").glob("*.whl"))
    if code or len(wheels) != 1:
        fail(f"building the wheel failed (exit code {code}).")
    if not wheels[0].name.startswith(f"odoo_addon_{MODULE}-"):
        fail(f"the wheel is {wheels[0].name}, not odoo-addon-{MODULE}.")
    print(f"Built {wheels[0].name} in {time.monotonic() - started:.0f}s.")
    return wheels[0]


def venv_with_wheel(env, tmp, wheel, run_dir):
    """A new virtual environment that sees Odoo and its requirements, with the
    wheel installed; returns its python."""
    venv = tmp / "venv"
    print("Installing it in a new virtual environment that sees Odoo...")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
        check=True,
    )
    python = venv / "bin" / "python"
    # Its only requirement is Odoo 18.0, installed beside: no index needed.
    # With Odoo in ODOO_SRC, pip does not know that it is there.
    odoo_known = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; m.version('odoo')"],
        env=env,
        cwd=run_dir,
        capture_output=True,
        check=False,
    )
    code = run_logged(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
            *([] if odoo_known.returncode == 0 else ["--no-deps"]),
            str(wheel),
        ],
        env,
        tmp / "pip.log",
        cwd=run_dir,
    )
    if code:
        fail(f"installing the wheel failed (exit code {code}).")
    return python


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
    """Build the wheel odoo-addon-service_entitlement with its declared backend
    (whool), install it in a fresh virtual environment that sees Odoo and its
    requirements, and install the add-on from the wheel, with demo data, in a
    throwaway database whose addons path has no checkout of it; fail on any
    warning or error."""
    env, odoo_dir = odoo_env()
    check_postgres(env)
    tmp = Path(tempfile.mkdtemp(prefix=f"{MODULE}-wheel-"))
    odoo_addons = ",".join(str(p) for p in odoo_addons_dirs(odoo_dir))
    db = f"{MODULE}_wheel_{os.getpid()}_{int(time.time())}"
    run_dir = tmp / "run"  # an empty working directory: nothing to import there
    run_dir.mkdir()
    try:
        wheel = build_wheel(env, tmp)
        python = venv_with_wheel(env, tmp, wheel, run_dir)
        probe = subprocess.run(
            [str(python), "-c", WHEEL_PROBE, MODULE, f"--addons-path={odoo_addons}"],
            env=env,
            cwd=run_dir,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = probe.stdout.split()
        if probe.returncode or len(lines) != 2:
            fail(f"cannot ask Odoo where {MODULE} is:\n{probe.stderr}")
        if lines[0] == "False":
            fail(f"Odoo does not find {MODULE} once the wheel is installed.")
        module_path, site_packages = (Path(line).resolve() for line in lines)
        if not module_path.is_relative_to(site_packages):
            fail(
                f"Odoo finds {MODULE} in {module_path}, not in the wheel "
                f"installed in {site_packages}."
            )
        print(f"Odoo finds {MODULE} in {module_path}.")

        print(f"Installing {MODULE} from the wheel with demo data in {db}...")
        started = time.monotonic()
        log = tmp / "install.log"
        code = run_logged(
            odoo_cmd(
                f"--addons-path={odoo_addons}",
                f"--database={db}",
                f"--db-filter=^{db}$",
                f"--init={MODULE}",
                "--stop-after-init",
                "--log-level=warn",
                "--no-http",
                python=python,
            ),
            env,
            log,
            cwd=run_dir,
        )
        print(f"Installed in {time.monotonic() - started:.0f}s.")
        problems = log_problems(log)
        if code:
            problems.append(f"install: exit code {code}")
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        if problems:
            print("FAILED: installing from the wheel is not clean.", file=sys.stderr)
            return 1
        print("The wheel installs and the add-on installs from it cleanly.")
        return 0
    finally:
        drop_db(env, db, odoo_addons)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve a demo database on 127.0.0.1")
    run.add_argument("--db", default=os.environ.get("DB", f"{MODULE}_demo"))
    run.add_argument("--port", default=os.environ.get("PORT", "8069"))
    test = sub.add_parser("test", help="run the test suite on a throwaway database")
    test.add_argument("pytest_args", nargs="*", help="extra pytest arguments")
    test_odoo = sub.add_parser(
        "test-odoo", help="run the test suite with Odoo's own test runner"
    )
    test_odoo.add_argument(
        "--timeout",
        type=int,
        default=int(os.environ.get("TEST_ODOO_TIMEOUT", "900")),
        help="stop Odoo after this many seconds (default 900, TEST_ODOO_TIMEOUT)",
    )
    test_odoo.add_argument(
        "odoo_args", nargs="*", help="extra Odoo arguments, e.g. --test-tags=..."
    )
    sub.add_parser("check-install", help="install with demo data, fail on warnings")
    sub.add_parser(
        "check-lifecycle", help="install on existing repairs, upgrade, uninstall"
    )
    sub.add_parser(
        "check-wheel", help="build the wheel, install the add-on from it (demo data)"
    )
    args = parser.parse_args()
    if args.command == "run":
        cmd_run(args)
        return 0
    commands = {
        "test": cmd_test,
        "test-odoo": cmd_test_odoo,
        "check-install": cmd_check_install,
        "check-lifecycle": cmd_check_lifecycle,
        "check-wheel": cmd_check_wheel,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
