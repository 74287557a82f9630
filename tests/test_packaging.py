"""The wheel carries everything the app reads, and an installed app keeps its data outside it.

The full check (install the wheel in a fresh virtualenv, serve the sign-in page with gunicorn) is
tests/packaging/check_wheel.py, which CI runs; this is the fast part of it.
"""

import sys
import zipfile
from pathlib import Path

import pytest

from portal import create_app
from portal.config import DevelopmentConfig
from tests.packaging.check_wheel import build_wheel

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory):
    """The paths inside the wheel `pip wheel .` builds from the checkout."""
    wheel = build_wheel(sys.executable, tmp_path_factory.mktemp("dist"))
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def checkout_files(folder):
    return {path.relative_to(REPO).as_posix() for path in (REPO / folder).rglob("*") if path.is_file()}


def test_the_wheel_carries_every_template_and_static_file(wheel_files):
    assert (REPO / "static/vendor/htmx.min.js").is_file(), "run `make assets` first"
    templates, static = checkout_files("templates"), checkout_files("static")
    assert {"templates/base.html", "static/css/accord.css", "static/vendor/htmx.min.js"} <= templates | static
    in_wheel = {name.removeprefix("portal/") for name in wheel_files if name.startswith("portal/")}
    assert templates <= in_wheel
    assert static <= in_wheel


def test_the_wheel_carries_the_configuration_and_the_agreement_templates(wheel_files):
    assert {"portal/config.py", "portal/data/agreement_templates.toml",
            "portal/data/common_passwords.txt"} <= wheel_files


def test_the_wheel_installs_nothing_but_the_portal_package(wheel_files):
    top_level = {name.split("/")[0] for name in wheel_files}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"portal"}


def test_the_instance_folder_defaults_to_the_working_directory_not_the_package(tmp_path, monkeypatch):
    monkeypatch.delenv("ACCORD_INSTANCE_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    app = create_app(DevelopmentConfig)
    assert app.config["INSTANCE_DIR"] == tmp_path / "instance"
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'accord.sqlite3'}"
    assert (tmp_path / "instance" / "secret_key").is_file()
