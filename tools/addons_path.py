"""Print the addons path for this checkout: the repository, then Odoo's own addons."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def addons_path():
    import odoo  # noqa: PLC0415 (callers check first that Odoo is importable)

    base = Path(odoo.__file__).resolve().parent  # the odoo package
    candidates = (base / "addons", base.parent / "addons")
    return ",".join([str(ROOT)] + [str(p) for p in candidates if p.is_dir()])


if __name__ == "__main__":
    print(addons_path())
