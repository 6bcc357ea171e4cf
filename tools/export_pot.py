#!/usr/bin/env python3
"""Export the addon's translation template, ``i18n/<addon>.pot``, with Odoo's
own exporter: the same code as ``odoo-bin --i18n-export=<file>.pot
--modules=<addon>`` (``odoo.tools.translate.trans_export``, which reads the
terms with ``TranslationModuleReader``).

    python3 tools/export_pot.py            # on a throwaway database: install the
                                           # addon without demo data, export, drop it
    python3 tools/export_pot.py -d MYDB    # on a database where the addon is
                                           # installed: installs nothing

The export needs the addon installed, since Odoo reads the terms of its data
from the database and the terms of its code from the registry. The header's
creation and revision dates are left out, as in OCA's templates, so the file
only changes when a term does. Run it again after changing a string in the
code, the views or the data.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from addons_path import addons_path

ROOT = Path(__file__).resolve().parent.parent
ADDON = "sales_marketing_alignment"
DATED_HEADERS = ('"POT-Creation-Date:', '"PO-Revision-Date:')


def psql_value(db, query):
    proc = subprocess.run(["psql", "-d", db, "-tAc", query], capture_output=True,
                          text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def dropdb(db):
    subprocess.run(["dropdb", "--if-exists", db], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def odoo(db, *args):
    cmd = [sys.executable, "-m", "odoo", "-d", db, "--addons-path", addons_path(),
           "--max-cron-threads", "0", "--log-level", "warn", *args]
    print("$ " + " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def is_installed(db, addon):
    state = psql_value(db, "SELECT state FROM ir_module_module WHERE name = '%s'" % addon)
    return state == "installed"


def export(db, addon, out):
    """Odoo's --i18n-export on ``db``, then the dated header lines removed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    code = odoo(db, "--i18n-export", str(out), "--modules", addon)
    if code != 0 or not out.is_file():
        sys.exit("export failed (exit code %s)" % code)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(ln for ln in lines if not ln.startswith(DATED_HEADERS)),
                   encoding="utf-8")
    print("wrote %s" % (out.relative_to(ROOT) if out.is_relative_to(ROOT) else out))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database",
                        help="a database where the addon is installed (default: a throwaway one)")
    parser.add_argument("--addon", default=ADDON)
    parser.add_argument("-o", "--output", type=Path,
                        help="default: <addon>/i18n/<addon>.pot")
    args = parser.parse_args(argv)
    out = (args.output or ROOT / args.addon / "i18n" / ("%s.pot" % args.addon)).resolve()

    if args.database:
        if not is_installed(args.database, args.addon):
            sys.exit("%s is not installed in database %s" % (args.addon, args.database))
        export(args.database, args.addon, out)
        return 0

    db = "sma_lint_pot_%d" % os.getpid()
    dropdb(db)
    try:
        code = odoo(db, "-i", args.addon, "--without-demo", "all", "--stop-after-init")
        if code != 0 or not is_installed(db, args.addon):
            sys.exit("installing %s in %s failed (exit code %s)" % (args.addon, db, code))
        export(db, args.addon, out)
    finally:
        dropdb(db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
