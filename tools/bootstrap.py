#!/usr/bin/env python3
"""The Python environment of ``make run`` and ``make test``, made on first use.

With Python 3.10-3.12, git, a C compiler and a network, and nothing else:

1. a virtual environment in the checkout (``.venv``, or ``VENV=``), which
   sees the machine's packages (an Odoo installed there is used as it is);
2. Odoo 18.0, when that environment cannot ``import odoo`` and ``ODOO_SRC``
   does not name a source tree: cloned shallowly from ``ODOO_REPO`` (branch
   ``ODOO_BRANCH``) into ``ODOO_CACHE`` (under the user's cache by default),
   its requirements and Odoo itself installed into the environment;
3. the OCA wheels and the test tools (``tools/setup_env.py``).

Each step prints one line with the time it took; what is done already is
skipped, so a second run starts at once.  The system packages Odoo's
requirements build against are checked first and, when missing, named in
one message with the command that installs them.  This add-on never
carries Odoo's code: Odoo is fetched from its own repository.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODOO_REPO = "https://github.com/odoo/odoo.git"
ODOO_BRANCH = "18.0"
# What building Odoo's pinned requirements needs from the system: a header
# or a program each, and the Debian/Ubuntu package that brings it.
SYSTEM_NEEDS = (
    ("/usr/include/ldap.h", "libldap2-dev"),
    ("/usr/include/sasl/sasl.h", "libsasl2-dev"),
    ("pg_config", "libpq-dev"),
)


def say(message, started=None):
    took = f" ({time.monotonic() - started:.0f}s)" if started is not None else ""
    print(f"-- {message}{took}", flush=True)


def run(cmd, env=None, cwd=None):
    done = subprocess.run(
        [str(part) for part in cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(
            f"error: {' '.join(str(p) for p in cmd)} failed:\n"
            f"{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    return done


def venv_dir():
    return Path(os.environ.get("VENV") or ROOT / ".venv").resolve()


def venv_python():
    return venv_dir() / "bin" / "python"


def cache_dir():
    if os.environ.get("ODOO_CACHE"):
        return Path(os.environ["ODOO_CACHE"]).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "service_entitlement"


def imports(python, module, env=None):
    probe = [str(python), "-c", f"import {module}"]
    return (
        subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 0
    )


def make_venv():
    python = venv_python()
    if python.exists():
        return python
    started = time.monotonic()
    # The machine's packages stay visible: an Odoo installed there serves.
    system = [] if os.environ.get("VENV_ISOLATED") else ["--system-site-packages"]
    # (The environment keeps the pip of its Python: one that applies the
    # setuptools constraint to the builds of Odoo's pinned requirements.)
    run([sys.executable, "-m", "venv", *system, venv_dir()])
    say(f"virtual environment in {venv_dir()}", started)
    return python


def missing_system_packages():
    missing = []
    for need, package in SYSTEM_NEEDS:
        found = Path(need).exists() if need.startswith("/") else shutil.which(need)
        if not found:
            missing.append(package)
    return missing


def install_odoo(python):
    """Odoo 18.0 into the environment, from a shallow clone in the cache."""
    missing = missing_system_packages()
    if missing:
        sys.exit(
            "error: building Odoo's requirements needs the system packages "
            f"{', '.join(missing)}; install them with:\n"
            f"  sudo apt-get install {' '.join(missing)}\n"
            "(or point ODOO_SRC at an Odoo 18.0 source tree whose "
            "requirements are installed)."
        )
    repo = os.environ.get("ODOO_REPO") or ODOO_REPO
    branch = os.environ.get("ODOO_BRANCH") or ODOO_BRANCH
    src = cache_dir() / f"odoo-{branch}"
    if not (src / "odoo" / "release.py").exists():
        started = time.monotonic()
        shutil.rmtree(src, ignore_errors=True)
        src.parent.mkdir(parents=True, exist_ok=True)
        run(
            [
                "git",
                "clone",
                "-q",
                "--depth=1",
                f"--branch={branch}",
                repo,
                src,
            ]
        )
        say(f"Odoo {branch} cloned into {src}", started)
    started = time.monotonic()
    constraint = cache_dir() / "pip-constraints.txt"
    constraint.write_text("setuptools<81\n", encoding="utf-8")
    env = {**os.environ, "PIP_CONSTRAINT": str(constraint)}
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run([*pip, "-r", src / "requirements.txt"], env=env)
    # The compat editable mode keeps `import odoo` working once an OCA
    # wheel has put an odoo/addons folder in site-packages.
    run([*pip, "-e", src, "--config-settings", "editable_mode=compat"], env=env)
    say("Odoo and its requirements installed", started)


def prepare():
    # One set-up at a time (.ci/run starts checks side by side): the others
    # wait for it, then find it done.
    folder = venv_dir().parent
    folder.mkdir(parents=True, exist_ok=True)
    lock = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = make_venv()
        if not os.environ.get("ODOO_SRC") and not imports(python, "odoo"):
            install_odoo(python)
    finally:
        os.close(lock)
    return python


if __name__ == "__main__":
    prepare()
