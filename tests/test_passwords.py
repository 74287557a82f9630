"""Password hashing itself: argon2id with the library's recommended parameters outside the tests,
the cheap parameters only in TestConfig, and no hashing at import time.

Every other test hashes cheaply (TestConfig.PASSWORD_HASH_PARAMS); these ask for the production
parameters explicitly, since they are what is under test.
"""

import subprocess
import sys

from argon2 import PasswordHasher, Type

from portal import passwords
from portal.config import Config, DevelopmentConfig, ProductionConfig, TestConfig
from portal.models import User
from portal.vocab import Role
from tests.apps import build_app_on
from tests.conftest import sign_in
from tests.factories import make_user

PASSWORD = "a-long-test-passphrase"


def params_of(password_hash):
    """argon2's own reading of a hash's type and parameters."""
    from argon2 import extract_parameters
    return extract_parameters(password_hash)


def test_production_and_development_hash_with_argon2ids_recommended_parameters(tmp_path, database_url):
    recommended = PasswordHasher()  # argon2-cffi's current recommendation (RFC 9106, low memory)
    assert Config.PASSWORD_HASH_PARAMS is None
    for base in (ProductionConfig, DevelopmentConfig):
        app = build_app_on(base, tmp_path, database_url, SECRET_KEY="x" * 32)
        with app.app_context():
            made = params_of(passwords.hash_password(PASSWORD))
        assert made.type is Type.ID
        assert (made.time_cost, made.memory_cost, made.parallelism) == (
            recommended.time_cost, recommended.memory_cost, recommended.parallelism)


def test_outside_an_app_the_recommended_parameters_are_used():
    made = params_of(passwords.hash_password(PASSWORD))
    assert (made.type, made.time_cost, made.memory_cost) == (Type.ID, 3, 65536)


def test_the_test_configuration_uses_argon2s_cheapest_parameters(app):
    assert TestConfig.PASSWORD_HASH_PARAMS == {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    with app.app_context():
        made = params_of(passwords.hash_password(PASSWORD))
    assert (made.type, made.time_cost, made.memory_cost, made.parallelism) == (Type.ID, 1, 8, 1)


def test_a_hash_with_the_production_parameters_signs_in_and_is_remade_with_the_apps(app):
    strong = passwords.hasher_for(None).hash(PASSWORD)
    user = make_user(Role.COACH, password=None)
    User.update(password_hash=strong).where(User.id == user.id).execute()
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 303
    remade = User.get_by_id(user.id).password_hash
    assert remade != strong
    assert (params_of(remade).time_cost, params_of(remade).memory_cost) == (1, 8)


def test_an_unknown_email_is_checked_against_a_hash_with_the_apps_parameters(app):
    with app.app_context():
        assert passwords.verify_password(None, PASSWORD) is False
        dummy = passwords._dummy_hash(passwords._current())
    assert (params_of(dummy).time_cost, params_of(dummy).memory_cost) == (1, 8)


def test_importing_the_module_hashes_nothing():
    """The dummy hash for unknown emails is made on first use: importing the portal (every
    command, every worker) does not pay for an argon2 hash with the production parameters."""
    script = (
        "import argon2\n"
        "calls = []\n"
        "real = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda self, *a, **k: calls.append(a) or real(self, *a, **k)\n"
        "import portal.passwords\n"
        "assert calls == [], calls\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.stdout.strip() == "ok", result.stderr
