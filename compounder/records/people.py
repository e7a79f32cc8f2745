"""Users (who signs) and patients (who receives), on a session the caller commits.

Every change is written in the audit trail. A password is kept only as its scrypt hash.

(Over 400 lines: the accounts, the sign-in with its lockout and the administrator's changes
share the account row's lock, its version and the trail check, so they stay together; the
patient's identity row at the end is the part to move out next.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, table
from sqlalchemy.orm import Session

from compounder.calc.field_limits import prints_nothing, text_limit
from compounder.records.edit_versions import refuse_if_changed, version_of
from compounder.records.policy import (
    Actor,
    PermissionRefused,
    RecordError,
    Role,
    check_account_change,
    check_new_password,
    hash_password,
    may_manage_users,
    password_matches,
)

# The mapped classes and the audit trail are imported in the functions that use them: the window
# asks ``has_accounts`` as it starts, before the records' model is needed (~30 ms to load).
if TYPE_CHECKING:
    from compounder.records.model import User

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Compared against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 86 + "=="


#: Failed sign-ins in a row after which an account is locked until an administrator unlocks it.
LOCK_AFTER = 5


class AuthenticationFailed(RecordError):
    """Wrong user name or password, or an account switched off."""


class NoAccounts(AuthenticationFailed):
    """The database has no account yet: the first administrator is to be created."""


class AccountLocked(AuthenticationFailed):
    """Too many failed sign-ins: the account waits for an administrator."""


class AccountSwitchedOff(AuthenticationFailed):
    """The right password for an account an administrator switched off: said only once the
    password is right, so a user name cannot be probed with a wrong one."""


def create_user(
    session: Session, actor: Actor | None, username: str, full_name: str, role: Role | str, password: str, now: dt.datetime
) -> Actor:
    """A new account. The very first account is made without signing in and must be an
    administrator; after that only an administrator adds accounts."""
    from compounder.records import audit
    from compounder.records.model import User

    role = _role(role)
    has_users = session.scalars(select(func.count()).select_from(User)).one() > 0
    if actor is None:
        if has_users:
            raise RecordError("sign in as an administrator to add a user")
        if role is not Role.ADMINISTRATOR:
            raise RecordError("the first account must be an administrator")
    else:
        actor = current_actor(session, actor)
        may_manage_users(actor)
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise RecordError(f"{username!r} is not a user name; use 2–64 letters, digits, dots, dashes or underscores")
    if prints_nothing(full_name):
        raise RecordError("give the user's full name, as it is to appear on records")
    if len(full_name.strip()) > text_limit("full_name"):
        raise RecordError(f"the full name is {len(full_name.strip()):,} characters; give at most {text_limit('full_name')}, as it is to appear on records")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise RecordError(f"there is already a user {username!r}")
    user = User(username=username, full_name=full_name.strip(), role=role.value, password_hash=hash_password(password), active=True, created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "app_user", user.id, None, now, system="(first administrator)")
    return _actor(user)


@dataclass(frozen=True)
class NewAccount:
    """An account as typed in the first-run form: the password twice."""

    username: str
    full_name: str
    password: str
    repeated: str


def create_first_accounts(session: Session, administrator: NewAccount, pharmacist: NewAccount, now: dt.datetime) -> tuple[Actor, Actor]:
    """The administrator and the first pharmacist of an empty database, in one transaction; a
    refusal names which of the two and the field."""
    if has_accounts(session):
        raise RecordError("this database has accounts already; an administrator adds more under Records ▸ Users…")
    made: list[Actor] = []
    for title, role, spec, creator in (("administrator", Role.ADMINISTRATOR, administrator, None), ("pharmacist", Role.PHARMACIST, pharmacist, "admin")):
        try:
            check_new_password(spec.password, spec.repeated)
            if spec.username.strip().lower() == administrator.username.strip().lower() and role is Role.PHARMACIST:
                raise RecordError("give the pharmacist a user name of their own (not the administrator's)")
            made.append(create_user(session, made[0] if creator else None, spec.username, spec.full_name, role, spec.password, now))
        except RecordError as error:
            raise RecordError(f"{title}: {error}") from None
    return made[0], made[1]


def authenticate(session: Session, username: str, password: str) -> Actor:
    """The signed-in user, or ``AuthenticationFailed`` with one message for every failure (a
    locked account and an empty database say so). Records nothing: ``sign_in`` counts failures."""
    actor, problem = _check_password(session, username, password, now=None)
    if problem is not None:
        raise problem
    assert actor is not None
    return actor


def sign_in(sessions: Callable[[], Session], username: str, password: str, now: dt.datetime) -> Actor:
    """``authenticate`` in its own transaction that is committed also when the sign-in fails: a
    failure is counted on the account and audited, and the ``LOCK_AFTER``-th in a row locks it
    until an administrator unlocks it (``unlock``). A good sign-in clears the count."""
    with sessions() as session, session.begin():
        actor, problem = _check_password(session, username, password, now=now)
    if problem is not None:
        raise problem
    assert actor is not None
    return actor


def _check_password(session: Session, username: str, password: str, now: dt.datetime | None) -> tuple[Actor | None, AuthenticationFailed | None]:
    """Check, and with ``now`` record the outcome on the account (locked for the update)."""
    from compounder.records import audit
    from compounder.records.model import User

    wanted = username.strip().lower()
    query = select(User).where(User.username == wanted)
    # A name no account can have (a NUL, 500 characters) is not looked up: PostgreSQL refuses a NUL.
    user = session.scalar(query.with_for_update() if now is not None else query) if _USERNAME.match(wanted) else None
    if user is not None:  # an account changed with SQL (a role, a hash, a reset counter) signs nothing in
        audit.check_unchanged(session, "app_user", user.id, audit.snapshot(session, "app_user", user.id))
    ok = password_matches(password, user.password_hash if user else _DUMMY_HASH)
    if user is None:
        if session.scalar(select(func.count()).select_from(User)) == 0:
            return None, NoAccounts("there is no account yet: create the first administrator (Records ▸ Create the first accounts…, or `compounder users add`)")
        if now is not None:  # a guessed name leaves its trace too, and is told nothing more than a wrong password
            _audit_unknown_name(session, username, now)
        return None, AuthenticationFailed("wrong user name or password")
    if user.locked_at is not None:
        # Counted even with the right password, so guessing on cannot tell when it guessed right.
        if now is not None:
            _count_failure(session, user, now)
        return None, AccountLocked(_locked_message(user))
    if ok and user.active:
        if now is not None and user.failed_sign_ins:
            old = audit.snapshot(session, "app_user", user.id)
            user.failed_sign_ins = None
            audit.record(session, _actor(user), "sign in (failures cleared)", "app_user", user.id, old, now)
        return _actor(user), None
    if ok:  # switched off: the password was right, so saying so tells nothing a guesser could use
        return None, AccountSwitchedOff(
            f"the account {user.username} is switched off, so it can neither sign in nor sign; "
            "an administrator switches it back on (Records ▸ Users…)"
        )
    if now is not None:
        _count_failure(session, user, now)
        if user.locked_at is not None:
            return None, AccountLocked(_locked_message(user))
    return None, AuthenticationFailed("wrong user name or password")


def _count_failure(session: Session, user: User, now: dt.datetime) -> None:
    from compounder.records import audit

    old = audit.snapshot(session, "app_user", user.id)
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    action = "failed sign-in"
    if user.failed_sign_ins >= LOCK_AFTER and user.locked_at is None:
        user.locked_at = now
        action = f"locked after {LOCK_AFTER} failed sign-ins"
    audit.record(session, None, action, "app_user", user.id, old, now, system="(sign-in)")


#: The audit entry of a sign-in with a user name no account has.
UNKNOWN_NAME = "failed sign-in (unknown name)"


def _audit_unknown_name(session: Session, typed: str, now: dt.datetime) -> None:
    """The name as typed (without surrounding blanks, cut to the user-name field's limit), and
    when: no account is made, and the one at the keyboard is told nothing new."""
    from compounder.records import audit

    limit = text_limit("username")
    name = typed.strip()
    values: dict[str, str | int] = {"username": name[:limit]}
    if len(name) > limit:
        values["typed_characters"] = len(name)  # so a reader knows it was cut
    audit.record_event(session, UNKNOWN_NAME, audit.SIGN_IN, values, now, system="(sign-in)")


def _locked_message(user: User) -> str:
    when = user.locked_at.astimezone().strftime("%Y-%m-%d %H:%M") if user.locked_at else "?"
    return (
        f"the account {user.username} is locked after {LOCK_AFTER} failed sign-ins (since {when}); "
        "an administrator unlocks it (Records ▸ Users…, or `compounder users unlock`)"
    )


def unlock(session: Session, actor: Actor, username: str, now: dt.datetime, *, expected_version: int | None = None) -> None:
    """An administrator lets a locked account sign in again (its failure count starts afresh)."""
    from compounder.records import audit

    actor = current_actor(session, actor)
    may_manage_users(actor)
    user = _shown_user(session, username, expected_version)
    if user.locked_at is None and not user.failed_sign_ins:
        raise RecordError(f"{user.username} is not locked")
    old = audit.snapshot(session, "app_user", user.id)
    user.locked_at, user.failed_sign_ins = None, None
    audit.record(session, actor, "unlock", "app_user", user.id, old, now)


def current_actor(session: Session, actor: Actor) -> Actor:
    """The signed-in user as the database has them now, read in the action's own transaction: an
    account switched off, locked or given another role since the sign-in acts with what it is
    now, or not at all. On PostgreSQL the row is share-locked (FOR SHARE) until the action
    commits, so a deactivation waits for it rather than passing it unseen, while the same user's
    actions at several workstations do not wait for one another. (An SQLite write transaction
    holds the database's write lock from its start.)"""
    from compounder.records import audit
    from compounder.records.model import User

    user = session.scalar(select(User).where(User.id == actor.id).with_for_update(read=True))
    if user is None or user.username != actor.username:
        raise PermissionRefused(f"the account {actor.username} no longer exists; sign in again")
    # The signer's account as the trail last recorded it: a role, switch or password hash set with
    # SQL (and perhaps put back afterwards) never signs.
    audit.check_unchanged(session, "app_user", user.id, audit.snapshot(session, "app_user", user.id))
    if not user.active:
        raise PermissionRefused(f"{user.username}'s account was switched off; sign in with an active account")
    if user.locked_at is not None:
        raise PermissionRefused(_locked_message(user))
    return _actor(user)


def has_accounts(session: Session) -> bool:
    # The table by name, not the mapped class: asked as the window starts, before the model is loaded.
    return session.scalars(select(func.count()).select_from(table("app_user"))).one() > 0


@dataclass(frozen=True)
class UserInfo:
    username: str
    full_name: str
    role: Role
    active: bool
    created_at: dt.datetime
    locked: bool = False  # after LOCK_AFTER failed sign-ins, until an administrator unlocks it
    version: int = 0  # the account's row version: a change is made on top of the one shown (``expected_version``)


def users(session: Session) -> list[UserInfo]:
    """Every account, by user name (never the password hash)."""
    from compounder.records.model import User

    return [
        UserInfo(u.username, u.full_name, Role(u.role), u.active, u.created_at, u.locked_at is not None, version_of(u))
        for u in session.scalars(select(User).order_by(User.username))
    ]


def _user(session: Session, username: str) -> User:
    from compounder.records.model import User

    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise RecordError(f"no user {username!r}")
    return user


def _shown_user(session: Session, username: str, expected_version: int | None) -> User:
    """The account an administrator changes, locked until the change commits (PostgreSQL ``FOR
    UPDATE``; an SQLite write transaction holds the write lock), refused with ``EditConflict``
    when it changed since the version shown (another administrator's change is never undone
    by a window showing the account as it was)."""
    from compounder.records.model import User

    user = session.scalar(
        select(User).where(User.username == username.strip().lower()).with_for_update().execution_options(populate_existing=True)
    )
    if user is None:
        raise RecordError(f"no user {username!r}")
    refuse_if_changed(session, user, expected_version, f"the account {user.username}")
    return user


def _active_administrators(session: Session) -> int:
    from compounder.records.model import User

    return session.scalars(select(func.count()).select_from(User).where(User.role == Role.ADMINISTRATOR.value, User.active.is_(True))).one()


def _check_change(session: Session, actor: Actor, user: User, *, role: Role, active: bool) -> None:
    was_admin = user.active and user.role == Role.ADMINISTRATOR.value
    check_account_change(
        actor, target_id=user.id, target_username=user.username, is_active_administrator=was_admin,
        stays_active_administrator=active and role is Role.ADMINISTRATOR, deactivates=user.active and not active,
        active_administrators=_active_administrators(session),
    )


def set_active(session: Session, actor: Actor, username: str, active: bool, now: dt.datetime, *, expected_version: int | None = None) -> None:
    """Switch an account off (it can no longer sign in; its signatures stay) or back on."""
    from compounder.records import audit

    actor = current_actor(session, actor)
    may_manage_users(actor)
    user = _shown_user(session, username, expected_version)
    if user.active == active:
        raise RecordError(f"{user.username} is already {'active' if active else 'deactivated'}")
    _check_change(session, actor, user, role=Role(user.role), active=active)
    old = audit.snapshot(session, "app_user", user.id)
    user.active = active
    audit.record(session, actor, "activate" if active else "deactivate", "app_user", user.id, old, now)


def change_role(session: Session, actor: Actor, username: str, role: Role | str, now: dt.datetime, *, expected_version: int | None = None) -> None:
    from compounder.records import audit

    actor = current_actor(session, actor)
    may_manage_users(actor)
    role = _role(role)
    user = _shown_user(session, username, expected_version)
    if user.role == role.value:
        raise RecordError(f"{user.username} is already a {role.value}")
    _check_change(session, actor, user, role=role, active=user.active)
    old = audit.snapshot(session, "app_user", user.id)
    user.role = role.value
    audit.record(session, actor, "change role", "app_user", user.id, old, now)


def reset_password(session: Session, actor: Actor, username: str, password: str, now: dt.datetime, *, expected_version: int | None = None) -> None:
    """An administrator sets a new password (the user should change it); only its hash is kept."""
    from compounder.records import audit

    actor = current_actor(session, actor)
    may_manage_users(actor)
    user = _shown_user(session, username, expected_version)
    old = audit.snapshot(session, "app_user", user.id)
    user.password_hash = hash_password(password)
    audit.record(session, actor, "reset password", "app_user", user.id, old, now)


def full_name(session: Session, user_id: int | None) -> str | None:
    from compounder.records.model import User

    if user_id is None:
        return None
    return session.scalar(select(User.full_name).where(User.id == user_id))


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise RecordError(f"{role!r} is not a role; the roles are technician, pharmacist and administrator") from None


def _actor(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role))


# --------------------------------------------------------------------------- patients


@dataclass(frozen=True)
class PatientInfo:
    id: int
    name: str
    date_of_birth: dt.date | None


def search_key(name: str) -> str:
    return " ".join(name.lower().split())


def patient(session: Session, actor: Actor, name: str, date_of_birth: dt.date | None, now: dt.datetime) -> PatientInfo:
    """The patient with this name and date of birth, added when new."""
    from compounder.records import audit
    from compounder.records.model import Patient

    actor = current_actor(session, actor)
    if not name or not name.strip():
        raise RecordError("give the patient's name")
    key = search_key(name)
    row = session.scalar(select(Patient).where(Patient.search_key == key, Patient.date_of_birth.is_(date_of_birth) if date_of_birth is None else Patient.date_of_birth == date_of_birth).limit(1))
    if row is None:
        row = Patient(name=" ".join(name.split()), search_key=key, date_of_birth=date_of_birth, created_at=now)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "patient", row.id, None, now)
    return PatientInfo(row.id, row.name, row.date_of_birth)
