#!/usr/bin/env python3
"""Run every test of the project and end with one line: ``N passed, N failed``.

1. Lint: OCA's ``pylint-odoo`` with the repository's ``.pylintrc`` on every
   addon of the repository (each top-level folder with a ``__manifest__.py``).
   It counts as one test: passed when pylint reports nothing, failed otherwise.
2. The addon's Odoo tests (Odoo's own runner, ``--test-enable --test-tags``),
   twice: on a throwaway database without demo data, then on one with demo
   data (as OCA's CI and Odoo's runbot run them). They include Odoo's own
   ``crm`` test classes re-run post-install with the addon installed
   (``sales_marketing_alignment/tests/test_crm_core.py``). Neither installs
   Sales: they prove the addon needs CRM only.
3. The Sales bridge's Odoo tests: a third throwaway database with demo data
   where ``sales_marketing_alignment_sale`` is installed (it pulls Sales and
   ``sale_crm``), tags ``/sales_marketing_alignment_sale`` plus the main
   addon's attribution tests (``TestAttribution``), which must hold with Sales
   installed too; counted the same way.
4. The end-to-end and packaging suite in ``tests/`` (pytest): it installs the
   addon with its demo data in another throwaway database, serves it and
   drives it over JSON-RPC / XML-RPC, builds both wheels (the addon and the
   Sales bridge), and uninstalls.

Counts come from the runners' own result lines. A skipped test counts as a
failure when it is a browser tour (Odoo skips tours silently when Chromium or
websocket-client is missing), and a run that executed no test fails.
"""

import importlib.util
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from addons_path import addons_path

ROOT = Path(__file__).resolve().parent.parent
ADDON = "sales_marketing_alignment"
BRIDGE = "sales_marketing_alignment_sale"
LOG_DIR = ROOT / ".test-logs"

RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIP_RE = re.compile(r"odoo\.tests\.result: skipped (.*?) : (.*)$")
LOG_LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")
TOUR_SKIP_RE = re.compile(r"chrom|websocket|browser", re.IGNORECASE)
PYLINT_MSG_RE = re.compile(r"^\S+:\d+: \[")


def dropdb(name):
    subprocess.run(["dropdb", "--if-exists", name], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def addon_dirs():
    """The addons of the repository: top-level folders with a manifest."""
    return sorted(p.name for p in ROOT.iterdir() if (p / "__manifest__.py").is_file())


def run_pylint():
    """pylint-odoo on every addon, before the tests; returns (passed, failed, notes)."""
    if importlib.util.find_spec("pylint_odoo") is None:
        return 0, 1, ["lint not run: pylint-odoo is not installed (pip install pylint-odoo)"]
    log_path = LOG_DIR / "pylint.log"
    cmd = [sys.executable, "-m", "pylint", "--rcfile=.pylintrc"] + addon_dirs()
    print("== Lint: %s (log: %s)" % (" ".join(cmd[1:]), log_path), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    log_path.write_text(proc.stdout)
    for line in proc.stdout.splitlines():
        if line.strip():
            print("   " + line, flush=True)
    if proc.returncode == 0:
        print("   pylint-odoo: clean", flush=True)
        return 1, 0, []
    count = sum(1 for line in proc.stdout.splitlines() if PYLINT_MSG_RE.match(line))
    return 0, 1, ["pylint-odoo reported %d message(s) (exit code %d); see %s" % (
        count, proc.returncode, log_path.relative_to(ROOT))]


def run_odoo_tests(http_port, demo, addon=ADDON, test_tags=None, name=None):
    """Odoo's runner on a fresh database where ``addon`` is installed, with or
    without demo data (as OCA's CI and Odoo's runbot run it: with); returns
    (passed, failed, notes)."""
    name = name or ("demo" if demo else "nodemo")
    label = "with demo data" if demo else "without demo data"
    if addon != ADDON:
        label = "of %s %s" % (addon, label)
    db = "sma_test_%d_%s" % (os.getpid(), name)
    dropdb(db)
    log_path = LOG_DIR / {"demo": "odoo-tests-demo.log", "nodemo": "odoo-tests.log"}.get(
        name, "odoo-tests-%s.log" % name)
    cmd = [
        sys.executable, "-m", "odoo",
        "-d", db,
        "--addons-path", addons_path(),
        "-i", addon,
        *([] if demo else ["--without-demo", "all"]),
        "--test-enable", "--test-tags", test_tags or "/%s" % addon,
        "--http-port", str(http_port),
        "--stop-after-init",
        "--log-level", "info",
        "--max-cron-threads", "0",
    ]
    print("== Odoo tests %s: %s (log: %s)" % (label, " ".join(cmd[1:]), log_path), flush=True)
    notes, result, skips, log_errors = [], None, [], []
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            log.write(line)
            match = RESULT_RE.search(line)
            if match:
                result = tuple(int(x) for x in match.groups())
            skip = SKIP_RE.search(line)
            if skip:
                skips.append((skip.group(1), skip.group(2)))
            if LOG_LEVEL_RE.match(line):
                log_errors.append(line.rstrip())
            if (LOG_LEVEL_RE.match(line) or " FAIL: " in line or " ERROR: " in line
                    or "post-tests in" in line or "when loading database" in line):
                print("   " + line.rstrip(), flush=True)
        code = proc.wait()
    dropdb(db)
    if result is None:
        notes.append("Odoo's runner printed no result line %s (exit code %s)" % (label, code))
        return 0, 1, notes
    failed, errors, total = result
    tour_skips = [s for s in skips if TOUR_SKIP_RE.search(s[1])]
    for desc, reason in tour_skips:
        notes.append("tour skipped (counted as failed): %s: %s" % (desc, reason))
    passed = total - failed - errors - len(skips)
    bad = failed + errors + len(tour_skips)
    if code != 0 and bad == 0:
        notes.append("Odoo exited with code %s (%s)" % (code, label))
        bad = 1
    if log_errors and bad == 0:
        notes.append("errors logged outside tests (%s): %s" % (label, log_errors[0]))
        bad = 1
    if total == 0:
        notes.append("Odoo's runner executed no test (%s)" % label)
        bad = max(bad, 1)
    print("   Odoo %s: %d run, %d failed, %d errors, %d skipped" % (
        label, total, failed, errors, len(skips)), flush=True)
    return passed, bad, notes


def run_pytest():
    """The tests/ suite; returns (passed, failed, notes)."""
    junit = LOG_DIR / "pytest.xml"
    cmd = [sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider",
           "-rA", "-W", "ignore::DeprecationWarning", "--junitxml", str(junit)]
    print("== End-to-end and packaging tests: %s" % " ".join(cmd[1:]), flush=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if not junit.exists():
        return 0, 1, ["pytest wrote no report (exit code %s)" % code]
    suite = ET.parse(junit).getroot()
    if suite.tag == "testsuites":
        suite = suite[0]
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    notes = []
    if skipped:
        notes.append("%d end-to-end test(s) skipped (counted as failed)" % skipped)
    if total == 0:
        notes.append("pytest executed no test")
        failed = max(failed, 1)
    if code not in (0, 1) and failed == 0:
        notes.append("pytest exited with code %s" % code)
        failed = 1
    return total - failed - skipped, failed + skipped, notes


def main():
    LOG_DIR.mkdir(exist_ok=True)
    start = time.time()
    http_port = int(os.environ.get("SMA_TEST_HTTP_PORT", "8169"))
    passed, failed, notes = 0, 0, []
    steps = (run_pylint, lambda: run_odoo_tests(http_port, demo=False),
             lambda: run_odoo_tests(http_port, demo=True),
             lambda: run_odoo_tests(http_port, demo=True, addon=BRIDGE, name="sale",
                                    test_tags="/%s,/%s:TestAttribution" % (BRIDGE, ADDON)),
             run_pytest)
    for step in steps:
        p, f, n = step()
        passed, failed, notes = passed + p, failed + f, notes + n
    for note in notes:
        print("NOTE: " + note)
    print("Total time: %.0fs" % (time.time() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
