"""Every blueprint package has the same anatomy (docs/architecture.md, "Blueprint anatomy"), and no
module's name sends a reader to the wrong home. Read from the source, without importing it."""

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# The modules any blueprint package may have, as it needs them.
STANDARD = {"__init__", "routes", "forms", "service", "view"}

# Each package's other modules, named for what they hold (the architecture doc lists them). A new
# module is added here, with its one line in the doc, or it fits one of the standard names.
EXTRAS = {
    "actions": set(),
    "admin": {"lists", "messages", "trail"},  # the service's lists, the Messages page, the audit trail (routes)
    "agreements": {"answers", "changes", "document", "pdf", "pdf_engine", "review", "wording"},
    "auth": {"account", "login", "two_factor"},  # the account page; sign-in sessions; the code step
    "cases": {"closing", "invitations", "listing", "panels", "people"},  # routes by area; the page's panels; the list
    "notes": {"consent", "files", "override", "panel", "readers", "sanitise", "shared"},
    "feedback": {"equality", "outcome"},  # equality monitoring; a coaching case's outcome (routes)
    "notifications": set(),
    "referrals": set(),
    "reports": {"downloads", "periods", "sections"},  # CSV and PDF; the quick periods; the sections and their rule
    "safeguarding": {"lead"},  # a lead's work on a concern (routes)
    "sessions": {"calendar", "party"},  # party: a party's own seat (requests, supporter)
    "rights": {"export", "holds"},  # export: a person's data as a ZIP; holds: retention page, legal holds, erasure
}

# A blueprint that is one module, not a package.
SINGLE_MODULE_BLUEPRINTS = {PORTAL / "home.py"}


def _tree(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _blueprint_calls(path):
    return [node for node in ast.walk(_tree(path))
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint"]


def _registers_on_bp(path):
    """Whether the module adds anything to its package's blueprint (`@bp.route`, `@bp.get`, ...)."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and getattr(target.value, "id", None) == "bp":
                    return True
    return False


def _imported_by_init(package):
    """The package's modules its __init__.py imports (`from portal.<package> import a, b`)."""
    names = set()
    for node in ast.walk(_tree(PORTAL / package / "__init__.py")):
        if isinstance(node, ast.ImportFrom) and node.module == f"portal.{package}":
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"portal.{package}."):
            names.add(node.module.rsplit(".", 1)[1])
    return names


def _modules(package):
    return {path.stem for path in (PORTAL / package).glob("*.py")}


def blueprint_packages():
    """Every package under portal/ with a Blueprint anywhere in it."""
    return sorted(path.parent.name for path in PORTAL.glob("*/__init__.py")
                  if any(_blueprint_calls(module) for module in path.parent.glob("*.py")))


def test_the_blueprint_packages_are_the_ones_described():
    assert blueprint_packages() == sorted(EXTRAS)


def test_every_blueprint_is_made_in_a_package_init_or_is_a_single_module():
    makers = {path for path in PORTAL.rglob("*.py") if _blueprint_calls(path)}
    in_packages = {PORTAL / package / "__init__.py" for package in EXTRAS}
    assert makers == in_packages | SINGLE_MODULE_BLUEPRINTS


@pytest.mark.parametrize("package", sorted(EXTRAS))
def test_a_blueprint_package_has_only_standard_or_listed_modules(package):
    assert _modules(package) - STANDARD - EXTRAS[package] == set()
    # The list stays true: a listed module that is gone is taken off it.
    assert EXTRAS[package] <= _modules(package)


@pytest.mark.parametrize("package", sorted(EXTRAS))
def test_every_module_adding_routes_is_imported_by_the_package_init(package):
    adding = {path.stem for path in (PORTAL / package).glob("*.py")
              if path.stem != "__init__" and _registers_on_bp(path)}
    assert adding, f"{package} adds no routes"
    assert adding <= _imported_by_init(package)


def _top_level_names():
    """portal's own modules and packages: `portal/audit.py` is "audit", `portal/actions/` is
    "actions"."""
    return ({path.stem for path in PORTAL.glob("*.py")} - {"__init__"}) | {
        path.parent.name for path in PORTAL.glob("*/__init__.py")}


def test_no_module_in_a_blueprint_package_is_named_after_another_home():
    """`safeguarding/actions.py` read as action points, `admin/audit.py` as the audit trail
    itself: a blueprint's own module never takes the name of a top-level module or package (the
    standard names, such as `forms`, mean the same in every package)."""
    taken = _top_level_names()
    clashes = {f"{package}/{name}.py" for package in EXTRAS
               for name in _modules(package) - STANDARD if name in taken}
    assert clashes == set()


def test_no_two_blueprint_packages_share_an_extra_module_name():
    seen = {}
    for package in sorted(EXTRAS):
        for name in _modules(package) - STANDARD:
            seen.setdefault(name, []).append(package)
    assert {name: packages for name, packages in seen.items() if len(packages) > 1} == {}


def test_actions_is_only_the_action_points_package():
    assert sorted(str(path.relative_to(PORTAL)) for path in PORTAL.rglob("actions.py")) == []
