"""Password hashing (argon2id) and the rules a new password must meet."""

import contextlib
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 12


@cache
def _hasher(params):
    return PasswordHasher(**dict(params))


def hasher_for(params=None):
    """argon2id with these parameters (time_cost, memory_cost, parallelism, ...); None or empty
    means the library's current recommended parameters."""
    return _hasher(tuple(sorted((params or {}).items())))


def _current():
    """The running app's hasher (its PASSWORD_HASH_PARAMS); outside an app, the recommended
    parameters. One hasher per set of parameters, made on first use."""
    return hasher_for(current_app.config.get("PASSWORD_HASH_PARAMS") if has_app_context() else None)


@cache
def _dummy_hash(hasher):
    """Checked against when the email is unknown, so that a wrong email costs the same time as
    a wrong password and timing does not reveal which accounts exist. Made on first use, with
    the same parameters as real hashes, not when the module is imported."""
    return hasher.hash("not-a-real-password-for-timing")


def hash_password(password):
    return _current().hash(password)


def verify_password(password_hash, password):
    """True if `password` matches; a missing or damaged hash never matches."""
    hasher = _current()
    if not password_hash:
        _spend_time(hasher, password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _spend_time(hasher, password):
    with contextlib.suppress(VerificationError):
        hasher.verify(_dummy_hash(hasher), password)


def needs_rehash(password_hash):
    """True if the hash was made with other parameters than the app's (then it is remade on the
    next sign-in)."""
    return _current().check_needs_rehash(password_hash)


@cache
def _common_words():
    path = Path(__file__).parent / "data" / "common_passwords.txt"
    lines = (line.strip().lower() for line in path.read_text().splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _core(password):
    """The password without the digits and symbols people add to the ends of a word."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def password_problems(password, *, email="", name=""):
    """Plain-English reasons this password may not be used; an empty list means it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
        return problems
    lowered = password.lower()
    common = _common_words()
    if lowered in common or _core(password) in common or len(set(lowered)) <= 2:
        problems.append("This is a very common password. Choose one that is harder to guess.")
    local_part = email.split("@")[0].lower()
    # "Anne-Marie" and "anne.marie@..." hold the names "anne" and "marie" as well as the whole.
    personal = [local_part, *re.split(r"[\W_]+", local_part), *re.split(r"[\W_]+", name.lower())]
    if any(len(p) >= 4 and p in lowered for p in personal):
        problems.append("Do not use your name or email address in your password.")
    return problems
