"""What ``make run`` and ``make test`` set up on a machine that lacks it, one
line per step:

- the Python tools of the tests and OCA's ``contract`` and
  ``product_warranty`` wheels (pip);
- PostgreSQL: the machine's when one answers; otherwise (or with
  ``SE_POSTGRES=embedded``) an embedded server from the PyPI wheel
  ``pgserver``, its data in ``.pgdata/`` of the checkout (``SE_PGDATA``
  changes it), with a role ``odoo`` of its own (Odoo refuses ``postgres``).

Odoo 18.0 itself comes before (``tools/bootstrap.py``): from the machine,
from ``ODOO_SRC``, or cloned from Odoo's repository into the environment.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# An importable name for each requirement file: installed when one is missing.
PROBES = {
    "test-requirements.txt": "pytest_odoo, click_odoo_contrib, checklog_odoo",
    "requirements.txt": "odoo.addons.contract, odoo.addons.product_warranty",
}
START_EMBEDDED = """
import sys, warnings
warnings.simplefilter("ignore")
import pgserver
server = pgserver.get_server(sys.argv[1], cleanup_mode=None)
exists = server.psql("SELECT 1 FROM pg_roles WHERE rolname = 'odoo'")
if "(0 rows)" in exists:
    server.psql("CREATE ROLE odoo LOGIN CREATEDB")
"""


def run(cmd, env):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)


def step(message):
    print(f"-- {message}", flush=True)


def pip(env, *args):
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = run([*cmd, *args], env)
    if done.returncode:
        sys.exit(f"error: pip install {' '.join(args)} failed:\n{done.stderr}")


def python_packages(env):
    """Install the requirement files whose packages are missing."""
    for name, modules in PROBES.items():
        probe = [sys.executable, "-c", f"import {modules}"]
        if run(probe, env).returncode:
            started = time.monotonic()
            no_deps = ["--no-deps"] if name == "requirements.txt" else []
            pip(env, *no_deps, "-r", ROOT / name)
            step(f"{name} installed ({time.monotonic() - started:.0f}s)")


def reachable(env):
    code = "import psycopg2; psycopg2.connect(dbname='postgres').close()"
    return run([sys.executable, "-c", code], env).returncode == 0


def postgres(env):
    """``env`` with a PostgreSQL that answers: the machine's, or the embedded
    one (started if needed; it keeps running, its data stays)."""
    if env.get("SE_POSTGRES") != "embedded" and reachable(env):
        return env
    data = Path(env.get("SE_PGDATA") or ROOT / ".pgdata").resolve()
    embedded = {**env, "PGHOST": str(data), "PGUSER": "odoo", "PGPORT": "5432"}
    if reachable(embedded):
        return embedded
    started = time.monotonic()
    probe = [sys.executable, "-c", "import pgserver"]
    if run(probe, env).returncode:
        pip(env, "pgserver")
    data.parent.mkdir(parents=True, exist_ok=True)
    start = [sys.executable, "-c", START_EMBEDDED, str(data)]
    done = run(start, env)
    if done.returncode or not reachable(embedded):
        sys.exit(f"error: the embedded PostgreSQL did not start:\n{done.stderr}")
    step(f"embedded PostgreSQL started in {data} ({time.monotonic() - started:.0f}s)")
    return embedded


def stop_embedded(env, python=None):
    """Stop the embedded server of ``env`` and delete its data (``python``:
    the interpreter that has pgserver, this one by default)."""
    code = (
        "import sys, warnings; warnings.simplefilter('ignore'); import pgserver; "
        "pgserver.get_server(sys.argv[1], cleanup_mode='delete').cleanup()"
    )
    run([python or sys.executable, "-c", code, env["PGHOST"]], env)


def prepare(env):
    """The whole set-up, for ``env`` (in which ``import odoo`` works)."""
    python_packages(env)
    return postgres(env)


if __name__ == "__main__":
    prepare(dict(os.environ))
