"""A signature given at the moment it is made (21 CFR 11.200): the signer's user name and password
travel with the signing call and are checked in the very transaction that stores the signature.

Every records function that signs (prepare, check, verify, reject, dispense, approve a master
formula, receive a lot, acknowledge or override a finding, confirm a container by hand, sign a
reason for a typed weight or an unscanned lot) takes ``Credentials``, never "whoever is signed
in": no window and no command can store a signature without the password. ``signer`` checks
them and reads the account as it is now (``people.current_actor``); a refusal rolls the
signature's transaction back, so the caller records the failed attempt in a transaction of its
own (``count_refusal``: counted on the account and audited, the ``people.LOCK_AFTER``-th in a
row locks it, as at sign-in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from compounder.records.policy import Actor


@dataclass(frozen=True)
class Credentials:
    """Who signs, as they typed it now: user name and password (never shown, never stored)."""

    username: str
    password: str = field(repr=False)


def signer(session: Session, credentials: Credentials) -> Actor:
    """The account that signs, checked in ``session``'s transaction: the password (one message
    for a wrong name or password; a switched-off account is said only once the password is
    right; a locked one says it is locked), then the account as the database has it now
    (active, unlocked, unchanged since its last audited state). Raises
    ``people.AuthenticationFailed`` or ``PermissionRefused``; records nothing."""
    from compounder.records import people

    if not isinstance(credentials, Credentials):  # an Actor from a sign-in is not a signature
        raise TypeError("a signature needs the signer's Credentials (user name and password), not a signed-in Actor")
    actor = people.authenticate(session, credentials.username, credentials.password)
    return people.current_actor(session, actor)


def count_refusal(sessions: Callable[[], Session], credentials: Credentials, now: dt.datetime) -> Exception:
    """After a signature refused for its password: the attempt counted and audited in its own,
    committed transaction (``people.sign_in``); the refusal to show, which says when this
    attempt locked the account."""
    from compounder.records import people

    try:
        people.sign_in(sessions, credentials.username, credentials.password, now)
    except people.AuthenticationFailed as error:
        return error
    return people.AuthenticationFailed("wrong user name or password")
