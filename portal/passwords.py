"""Password hashing (argon2id) and the rules a new password must meet."""

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Checked against when the email is unknown, so that a wrong email costs the same time as a
# wrong password and timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """True if `password` matches; a missing or damaged hash never matches."""
    if not password_hash:
        _spend_time(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _spend_time(password):
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def needs_rehash(password_hash):
    return _hasher.check_needs_rehash(password_hash)


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
