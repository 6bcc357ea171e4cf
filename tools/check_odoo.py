"""Stop at once, with one clear message, when Odoo 18.0 is not importable."""
import sys

MESSAGE = (
    "Odoo 18.0 is not importable from %s.\n"
    "Install Odoo 18.0 Community from Odoo's official source "
    "(https://github.com/odoo/odoo, branch 18.0) with its requirements, e.g.:\n"
    "  git clone --depth 1 -b 18.0 https://github.com/odoo/odoo.git\n"
    "  pip install -r odoo/requirements.txt\n"
    "  pip install -e ./odoo --config-settings editable_mode=compat   # or: pip install ./odoo\n"
    "then check with: python3 -c 'import odoo'"
)

try:
    import odoo.release
except ImportError:
    sys.exit(MESSAGE % sys.executable)
if tuple(odoo.release.version_info[:2]) != (18, 0):
    sys.exit(MESSAGE % sys.executable + "\n(found Odoo %s)" % odoo.release.version)
