"""What the benchmarks share: a throwaway database with the addon installed
without demo data, and its registry loaded in the benchmark's process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from addons_path import addons_path  # noqa: E402 (after the path set-up above)

ADDON = "sales_marketing_alignment"


def dropdb(name):
    """Drop database ``name`` if it exists, closing any connection left to it."""
    quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")  # no "does not exist" notice
    subprocess.run(["dropdb", "--if-exists", "--force", name], check=False, env=quiet)


def install(db, http_port):
    """Create ``db`` with the addon installed, without demo data."""
    cmd = [
        sys.executable, "-m", "odoo", "-d", db, "--addons-path", addons_path(),
        "-i", ADDON, "--without-demo", "all", "--stop-after-init",
        "--max-cron-threads", "0", "--http-port", str(http_port), "--log-level", "warn",
    ]
    print("Installing %s in %s..." % (ADDON, db), flush=True)
    started = time.perf_counter()
    subprocess.run(cmd, check=True)
    print("Installed in %.1f s." % (time.perf_counter() - started), flush=True)


def open_registry(db, http_port):
    """The Odoo registry of ``db``, loaded in this process."""
    import odoo  # noqa: PLC0415 (imported once Odoo's presence was checked by make)

    odoo.tools.config.parse_config([
        "--addons-path", addons_path(), "-d", db, "--http-port", str(http_port),
        "--max-cron-threads", "0", "--log-level", "warn",
    ])
    return odoo.modules.registry.Registry(db)


def close_registry(db):
    """Forget the registry of ``db`` and close its connections, so it can be dropped."""
    import odoo  # noqa: PLC0415

    odoo.modules.registry.Registry.delete(db)
    odoo.sql_db.close_db(db)


def run_on_throwaway_db(db, http_port, run, args):
    """Install the addon in ``db``, call ``run(db, args)``, and drop ``db``
    whatever happens (Ctrl-C, or kill: SIGTERM unwinds the same way)."""
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit("Stopped."))
    dropdb(db)
    started = time.perf_counter()
    try:
        install(db, http_port)
        run(db, args)
    finally:
        if "odoo" in sys.modules:
            close_registry(db)
        dropdb(db)
    print("\nTotal run time: %.0f s (database %s dropped)." % (time.perf_counter() - started, db))
