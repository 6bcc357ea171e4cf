"""Build the OCA-style wheel ``odoo-addon-<addon>`` of one addon of the repository.

By default the main addon, ``sales_marketing_alignment``; the environment
variable ``SMA_ADDON`` picks another top-level addon of the repository, e.g.
the Sales bridge::

    pip wheel --no-deps -w dist .                                        # the main addon
    SMA_ADDON=sales_marketing_alignment_sale pip wheel --no-deps -w dist .  # the bridge

(An environment variable, because ``pip wheel`` passes no arguments to
setup.py; ``make wheel`` builds both.) The wheel installs the addon as the
``odoo.addons.<addon>`` package, next to Odoo's own addons, so
``odoo -d DB -i <addon>`` finds it without any ``--addons-path``. Like OCA
wheels it ships no ``odoo/__init__.py`` nor ``odoo/addons/__init__.py``:
``odoo.addons`` stays Odoo's namespace. Name, version, license and summary
come from the manifest; a dependency on another addon of the repository
becomes a requirement on its wheel (as OCA's setuptools-odoo writes it).
"""

import ast
import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
ADDONS = sorted(p.name for p in HERE.iterdir() if (p / "__manifest__.py").is_file())
ADDON = os.environ.get("SMA_ADDON") or "sales_marketing_alignment"
if ADDON not in ADDONS:
    raise SystemExit("SMA_ADDON=%s is no addon of this repository (one of: %s)" % (ADDON, ", ".join(ADDONS)))
MANIFEST = ast.literal_eval((HERE / ADDON / "__manifest__.py").read_text())
ODOO_SERIES = ".".join(MANIFEST["version"].split(".")[:2])
NEXT_SERIES = "%s.%d" % (ODOO_SERIES.split(".")[0], int(ODOO_SERIES.split(".")[1]) + 1)


def _packages():
    """Every folder of the addon holding Python code, as odoo.addons.* packages."""
    found = []
    for init in sorted((HERE / ADDON).rglob("__init__.py")):
        relative = init.parent.relative_to(HERE)
        found.append("odoo.addons." + ".".join(relative.parts))
    return found


def _data_files():
    """Everything else the addon needs at run time (XML, CSV, images, i18n...)."""
    data = []
    for path in sorted((HERE / ADDON).rglob("*")):
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
            data.append(str(path.relative_to(HERE / ADDON)))
    return data


def _long_description():
    """The repository's README for the main addon; the addon's own description for the others."""
    if ADDON == "sales_marketing_alignment":
        return (HERE / "README.md").read_text(encoding="utf-8")
    return (HERE / ADDON / "readme" / "DESCRIPTION.md").read_text(encoding="utf-8")


def _requirements():
    """Odoo itself, and the wheel of each addon of this repository the addon depends on."""
    requirements = ["odoo>=%sa,<%sdev" % (ODOO_SERIES, NEXT_SERIES)]
    for depend in MANIFEST.get("depends", []):
        if depend in ADDONS:
            requirements.append("odoo-addon-%s>=%sdev,<%sdev" % (depend, ODOO_SERIES, NEXT_SERIES))
    return requirements


setup(
    name="odoo-addon-%s" % ADDON,
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    long_description=_long_description(),
    long_description_content_type="text/markdown",
    author=MANIFEST["author"],
    url=MANIFEST["website"],
    license="LGPL-3",
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: %s" % ODOO_SERIES,
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    ],
    python_requires=">=3.10",
    install_requires=_requirements(),
    package_dir={"odoo.addons.%s" % ADDON: ADDON},
    packages=_packages(),
    package_data={"odoo.addons.%s" % ADDON: _data_files()},
    include_package_data=False,
    zip_safe=False,
    # One build folder per addon: a build of one addon never leaks into the other's wheel.
    options={"build": {"build_base": str(Path("build") / ADDON)}},
)
