"""The wheels, one per addon, built by the repository's setup.py (SMA_ADDON
picks the addon): odoo-addon-sales_marketing_alignment installing
odoo.addons.sales_marketing_alignment, and the Sales bridge
odoo-addon-sales_marketing_alignment_sale installing
odoo.addons.sales_marketing_alignment_sale and requiring the main addon's wheel."""

import ast
import os
import re
import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAIN = "sales_marketing_alignment"
BRIDGE = "sales_marketing_alignment_sale"
# What each wheel must require (PEP 508, names compared in their PEP 503 form).
REQUIRES = {
    MAIN: ["odoo<18.1dev,>=18.0a"],
    BRIDGE: ["odoo-addon-sales-marketing-alignment<18.1dev,>=18.0dev", "odoo<18.1dev,>=18.0a"],
}


def _normalize(requirement):
    name, _sep, spec = re.match(r"([A-Za-z0-9_.-]+)(\s*)(.*)", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower() + spec


@pytest.fixture(scope="module", params=[MAIN, BRIDGE])
def addon(request):
    return request.param


@pytest.fixture(scope="module")
def wheel(addon, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(out), str(ROOT)],
        check=True, cwd=build, env=dict(os.environ, SMA_ADDON=addon),
    )
    [path] = out.glob("*.whl")
    return path


def test_wheel_name_and_metadata(addon, wheel):
    assert wheel.name == f"odoo_addon_{addon}-18.0.1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        [meta_name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(archive.read(meta_name))
    # PEP 503: "odoo-addon-sales_marketing_alignment" and its dashed spelling are one name.
    assert re.sub(r"[-_.]+", "-", meta["Name"]).lower() == "odoo-addon-" + addon.replace("_", "-")
    assert meta["Version"] == "18.0.1.0.0"
    assert sorted(_normalize(r) for r in meta.get_all("Requires-Dist")) == REQUIRES[addon]
    assert "Framework :: Odoo :: 18.0" in meta.get_all("Classifier")


def test_wheel_contents(addon, wheel):
    prefix = f"odoo/addons/{addon}/"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        manifest = ast.literal_eval(archive.read(prefix + "__manifest__.py").decode())
    # Namespace packages stay Odoo's: no odoo/__init__.py, no odoo/addons/__init__.py.
    assert "odoo/__init__.py" not in names
    assert "odoo/addons/__init__.py" not in names
    addon_files = {n[len(prefix):] for n in names if n.startswith(prefix)}
    # Only this addon: nothing of the other addon of the repository leaks in.
    assert not {n for n in names if not n.startswith(prefix) and ".dist-info/" not in n}
    # Every data and demo file the manifest loads is shipped, and all the code.
    for path in manifest["data"] + manifest.get("demo", []):
        assert path in addon_files, path
    source = {str(p.relative_to(ROOT / addon)) for p in (ROOT / addon).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert source == addon_files


def test_wheel_installs_as_odoo_addon(addon, wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    str(wheel)], check=True)
    probe = (
        "import odoo, odoo.netsvc\n"
        "from odoo.tools import config\n"
        "config.parse_config([])\n"  # default addons path only: no --addons-path
        "from odoo.modules import module\n"
        "module.initialize_sys_path()\n"
        f"print(module.get_module_path('{addon}'))\n"
        f"print(module.get_manifest('{addon}')['version'])\n"
        f"print('{addon}' in module.get_modules())\n"
    )
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout.split()
    assert out[0] == str(venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
                         / "site-packages" / "odoo" / "addons" / addon)
    assert out[1:] == ["18.0.1.0.0", "True"]
