"""Build the OCA-style wheel ``odoo-addon-sales_marketing_alignment``.

The wheel installs the addon as the ``odoo.addons.sales_marketing_alignment``
package, next to Odoo's own addons, so ``odoo -d DB -i sales_marketing_alignment``
finds it without any ``--addons-path``. Like OCA wheels it ships no
``odoo/__init__.py`` nor ``odoo/addons/__init__.py``: ``odoo.addons`` stays
Odoo's namespace. Name, version, license and summary come from the manifest.
"""

import ast
from pathlib import Path

from setuptools import setup

ADDON = "sales_marketing_alignment"
HERE = Path(__file__).resolve().parent
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


setup(
    name="odoo-addon-%s" % ADDON,
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
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
    install_requires=["odoo>=%sa,<%sdev" % (ODOO_SERIES, NEXT_SERIES)],
    package_dir={"odoo.addons.%s" % ADDON: ADDON},
    packages=_packages(),
    package_data={"odoo.addons.%s" % ADDON: _data_files()},
    include_package_data=False,
    zip_safe=False,
)
