"""A test's signature: the signer's user name with the password the shared builders give every
account (``helpers.PASSWORD``), as a window or command passes it to the records."""

from __future__ import annotations

from compounder.records.policy import Actor
from compounder.records.signing import Credentials


def credentials_of(actor: Actor, password: str | None = None) -> Credentials:
    """``actor``'s credentials as typed at the moment of signing (by default the builders' password)."""
    from tests.records.helpers import PASSWORD  # here: helpers signs with this module too

    return Credentials(actor.username, PASSWORD if password is None else password)
