"""End-to-end fixtures: a real Odoo 18 server on a throwaway database.

The session installs ``sales_marketing_alignment`` with its demo data in a
fresh database, serves it on a free local port and drives it over JSON-RPC
and XML-RPC like any external client. The database is dropped at the end.
Tests marked ``uninstall`` change the database for good and run last.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import xmlrpc.client
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from addons_path import addons_path  # noqa: E402

ADDON = "sales_marketing_alignment"
LOG_DIR = ROOT / ".test-logs"


def pytest_configure(config):
    config.addinivalue_line("markers", "uninstall: uninstalls the addon; runs after every other test")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("uninstall") is not None)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _odoo(*args, log=None):
    cmd = [sys.executable, "-m", "odoo", "--addons-path", addons_path(), "--max-cron-threads", "0", *args]
    return subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False)


class OdooClient:
    """A small JSON-RPC / XML-RPC client, as an integration would write it."""

    def __init__(self, url, db):
        self.url, self.db = url, db
        self.common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common", allow_none=True)
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def login(self, login, password):
        uid = self.common.authenticate(self.db, login, password, {})
        assert uid, f"login {login} refused"
        return UserSession(self, uid, password)

    def jsonrpc(self, service, method, *args):
        payload = json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"service": service, "method": method, "args": list(args)},
        }).encode()
        request = urllib.request.Request(f"{self.url}/jsonrpc", payload, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=300) as response:
            body = json.loads(response.read())
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        return body["result"]


class UserSession:
    def __init__(self, client, uid, password):
        self.client, self.uid, self.password = client, uid, password

    def call(self, model, method, *args, **kwargs):
        """execute_kw over JSON-RPC (the web client's and most integrations' path)."""
        return self.client.jsonrpc("object", "execute_kw", self.client.db, self.uid, self.password,
                                   model, method, list(args), kwargs)

    def xcall(self, model, method, *args, **kwargs):
        """execute_kw over XML-RPC."""
        return self.client.models.execute_kw(self.client.db, self.uid, self.password,
                                             model, method, list(args), kwargs)


@pytest.fixture(scope="session")
def odoo_server():
    LOG_DIR.mkdir(exist_ok=True)
    db = f"sma_e2e_{uuid.uuid4().hex[:8]}"
    port = _free_port()
    with open(LOG_DIR / "e2e-install.log", "w") as log:
        result = _odoo("-d", db, "-i", ADDON, "--stop-after-init", "--http-port", str(port), log=log)
    assert result.returncode == 0, "installing the addon with demo data failed, see .test-logs/e2e-install.log"
    log = open(LOG_DIR / "e2e-server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "odoo", "--addons-path", addons_path(), "-d", db,
         "--db-filter", f"^{db}$", "--http-interface", "127.0.0.1", "--http-port", str(port),
         "--max-cron-threads", "0", "--workers", "0"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/web/login", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            server.kill()
            pytest.fail("the Odoo server did not start, see .test-logs/e2e-server.log")
        time.sleep(1)
    try:
        yield OdooClient(url, db)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        subprocess.run(["dropdb", "--if-exists", db], check=False)


@pytest.fixture(scope="session")
def admin(odoo_server):
    return odoo_server.login("admin", "admin")


def _wait_for_login_page(url, server, timeout, log_name):
    """Wait until ``url``/web/login answers 200; fail the test when the
    server process ends or ``timeout`` seconds pass first."""
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/web/login", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            server.kill()
            pytest.fail(f"the Odoo server did not start, see .test-logs/{log_name}")
        time.sleep(1)


@pytest.fixture(scope="module")
def odoo_load_server():
    """A multi-worker Odoo (3 HTTP workers, 1 cron thread) on 127.0.0.1 and
    a free port, serving its own throwaway database with the addon installed
    WITHOUT demo data. For load tests: the other end-to-end tests share a
    single-threaded server. Yields an ``OdooClient`` whose ``server_log`` is
    the server's log file; the database is dropped at the end."""
    LOG_DIR.mkdir(exist_ok=True)
    db = f"sma_load_{uuid.uuid4().hex[:8]}"
    port = gevent_port = _free_port()
    while gevent_port == port:  # workers need Odoo's gevent (websocket) server too
        gevent_port = _free_port()
    install_log_name, server_log_name = "e2e-load-install.log", "e2e-load-server.log"
    server = None
    try:
        with open(LOG_DIR / install_log_name, "w") as log:
            result = _odoo("-d", db, "-i", ADDON, "--without-demo", "all", "--stop-after-init",
                           "--http-interface", "127.0.0.1", "--http-port", str(port), log=log)
        assert result.returncode == 0, (
            f"installing the addon without demo data failed, see .test-logs/{install_log_name}")
        server_log = LOG_DIR / server_log_name
        log = open(server_log, "w")
        server = subprocess.Popen(
            [sys.executable, "-m", "odoo", "--addons-path", addons_path(), "-d", db,
             "--db-filter", f"^{db}$", "--http-interface", "127.0.0.1", "--http-port", str(port),
             "--gevent-port", str(gevent_port), "--workers", "3", "--max-cron-threads", "1"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        _wait_for_login_page(url, server, 120, server_log_name)
        client = OdooClient(url, db)
        client.server_log = server_log
        yield client
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)
            log.close()
        subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)
