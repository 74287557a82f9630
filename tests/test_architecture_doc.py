"""docs/architecture.md names every module of the portal, so a newcomer finds each one there."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
# A blueprint's standard modules are described once, in the blueprint anatomy paragraph.
STANDARD = {"__init__.py", "routes.py", "forms.py", "service.py", "view.py"}


def _modules():
    for path in sorted(PORTAL.rglob("*.py")):
        relative = path.relative_to(PORTAL)
        if relative.parts[0] == "migrations" or relative.parts[0] == "config.py":
            continue
        if len(relative.parts) == 1:
            yield f"portal/{relative}"
        elif relative.name not in STANDARD:
            yield relative.as_posix()


def test_every_module_is_named_in_the_architecture_doc():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    modules = list(_modules())
    assert len(modules) > 40
    assert [module for module in modules if f"`{module}`" not in doc] == []


def test_every_blueprint_package_has_a_row():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    packages = [p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists() and p.name != "migrations"]
    assert [name for name in packages if f"| `portal/{name}/`" not in doc] == []
