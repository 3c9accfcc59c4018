"""Start Odoo on a database, for the benchmark scripts of this folder."""

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import devtool


def boot(db):
    """Import Odoo (as ``make test`` finds it), parse a config for ``db`` and
    return the ``odoo`` package and the registry."""
    env, odoo_dir = devtool.odoo_env()
    for path in env.get("PYTHONPATH", "").split(":"):
        if path and path not in sys.path:
            sys.path.insert(0, path)
    import odoo

    tmp = tempfile.mkdtemp(prefix="service_entitlement-bench-")
    _link, addons = devtool.addons_path(odoo_dir, tmp)
    odoo.tools.config.parse_config(
        [f"--addons-path={addons}", f"--database={db}", "--log-level=warn"]
    )
    return odoo, odoo.modules.registry.Registry(db)


def measure(env, func):
    """(result, seconds, queries) of ``func()``, caches cold, flushed."""
    env.flush_all()
    env.invalidate_all()
    cr = env.cr
    queries = cr.sql_log_count
    started = time.perf_counter()
    result = func()
    env.flush_all()
    return result, time.perf_counter() - started, cr.sql_log_count - queries


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def bulk_data():
    """The add-on's ``tests/bulk_data.py``, loaded by its path: importing it
    as ``odoo.addons.service_entitlement.tests.bulk_data`` would import the
    tests package, and with it Odoo's test framework, which logs an error
    outside test mode."""
    path = Path(__file__).resolve().parent.parent / "tests" / "bulk_data.py"
    spec = importlib.util.spec_from_file_location("service_entitlement_bulk", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
