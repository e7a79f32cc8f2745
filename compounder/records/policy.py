"""What the records allow, as pure code: the refusal they speak (``RecordError``), roles, who may
do what to a batch, the batch status machine, weight entry and tolerance, lot usability, batch
numbers and password hashes. (The calculation's checks are ``compounder.calc.rules``; the
pharmacy's own settings kept in the records are ``compounder.records.pharmacy_rules``.)

No SQLAlchemy and no Qt here: the database layer (``compounder.records.batches`` and friends)
asks these functions and persists what they allow; the window asks them to grey out buttons.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from compounder.records.errors import RecordsError


class RecordError(RecordsError):
    """An operation the records refuse, in words for the pharmacist."""


class PermissionRefused(RecordError):
    """The signed-in user's role (or identity) does not allow this."""


class Role(str, enum.Enum):
    TECHNICIAN = "technician"
    PHARMACIST = "pharmacist"
    ADMINISTRATOR = "administrator"


class Status(str, enum.Enum):
    DRAFT = "draft"
    PREPARED = "prepared"
    VERIFIED = "verified"
    DISPENSED = "dispensed"
    REJECTED = "rejected"


#: The moves a batch may make. Verified and dispensed batches are never edited again; a
#: correction is an amendment (a new batch that references the old one).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.PREPARED, Status.REJECTED}),
    Status.PREPARED: frozenset({Status.VERIFIED, Status.REJECTED}),
    Status.VERIFIED: frozenset({Status.DISPENSED}),
    Status.DISPENSED: frozenset(),
    Status.REJECTED: frozenset(),
}

#: Statuses whose batch content (weights, lots) may still change.
EDITABLE = frozenset({Status.DRAFT})


@dataclass(frozen=True)
class Actor:
    """Who is signed in: enough to decide and to record."""

    id: int
    username: str
    role: Role


def check_transition(
    current: Status, target: Status, actor: Actor, *, preparer_id: int | None, allow_self_verification: bool = False,
    reason: str | None = None,
) -> None:
    """Raise ``RecordError``/``PermissionRefused`` unless ``actor`` may move a batch from
    ``current`` to ``target``."""
    if target not in TRANSITIONS[current]:
        if current in (Status.VERIFIED, Status.DISPENSED) and target is not Status.DISPENSED:
            raise RecordError(f"a {current.value} batch is never changed; make an amendment that references it")
        raise RecordError(f"a {current.value} batch cannot become {target.value}")
    if target is Status.VERIFIED:
        if actor.role is not Role.PHARMACIST:
            raise PermissionRefused(f"only a pharmacist may verify a batch; {actor.username} is a {actor.role.value}")
        if actor.id == preparer_id and not allow_self_verification:
            raise PermissionRefused(f"{actor.username} prepared this batch; another pharmacist must verify it")
    if target is Status.REJECTED:
        if actor.role is not Role.PHARMACIST:
            raise PermissionRefused(f"only a pharmacist may reject a batch; {actor.username} is a {actor.role.value}")
        if not reason or not reason.strip():
            raise RecordError("give the reason the batch is rejected")
    if target in (Status.PREPARED, Status.DISPENSED) and actor.role is Role.ADMINISTRATOR:
        raise PermissionRefused("an administrator account does not compound or dispense; sign in as a technician or pharmacist")


def check_checker(current: Status, actor: Actor, *, preparer_id: int | None, checked: bool) -> None:
    """Raise unless ``actor`` may sign as the checker of a batch's weighings: after it is
    prepared and before it is verified, once, by a technician or pharmacist who did not prepare it."""
    if current is not Status.PREPARED:
        when = "before it is prepared" if current is Status.DRAFT else f"once it is {current.value}"
        raise RecordError(f"a batch's weighings are checked after it is prepared and before it is verified, not {when}")
    if checked:
        raise RecordError("this batch's weighings are already checked")
    if actor.role is Role.ADMINISTRATOR:
        raise PermissionRefused("an administrator account does not check weighings; sign in as a technician or pharmacist")
    if actor.id == preparer_id:
        raise PermissionRefused(f"{actor.username} prepared this batch; someone else checks the weighings")


def may_amend(actor: Actor, current: Status, reason: str | None) -> None:
    """Only a pharmacist corrects a verified (or dispensed) batch, and says why."""
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"only a pharmacist may amend a batch; {actor.username} is a {actor.role.value}")
    if current not in (Status.VERIFIED, Status.DISPENSED):
        raise RecordError(f"the batch is {current.value}; only a verified or dispensed batch is amended (change the draft itself)")
    if not reason or not reason.strip():
        raise RecordError("give the reason for the amendment")


def may_create_batches(actor: Actor) -> None:
    if actor.role is Role.ADMINISTRATOR:
        raise PermissionRefused("an administrator account does not compound; sign in as a technician or pharmacist")


def may_approve_formulas(actor: Actor) -> None:
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"only a pharmacist may approve a master formula; {actor.username} is a {actor.role.value}")


def may_manage_users(actor: Actor) -> None:
    if actor.role is not Role.ADMINISTRATOR:
        raise PermissionRefused(f"only an administrator may manage user accounts; {actor.username} is a {actor.role.value}")


# --------------------------------------------------------------------------- findings: acknowledge, override


def check_reason(reason: str | None) -> str:
    """The reason, tidied, or ``RecordError`` saying why it is not one (blank, too short)."""
    from compounder.calc.prescription import reason_problem

    problem = reason_problem(reason)
    if problem:
        raise RecordError(problem)
    return " ".join((reason or "").split())


def may_decide_finding(signer: Actor, *, active: bool, severity: str, code: str, reason: str | None) -> str:
    """Whether ``signer`` may sign this decision on a finding: only an active pharmacist
    acknowledges a warning or overrides an error, and always with a real reason. Returns the
    tidied reason; raises ``PermissionRefused`` naming the role, or ``RecordError``."""
    if severity not in ("warning", "error"):
        raise RecordError(f"{code} is {severity!r}: only warnings are acknowledged and errors overridden")
    what = "acknowledge a warning" if severity == "warning" else "override an error"
    if signer.role is not Role.PHARMACIST:
        raise PermissionRefused(f"only a pharmacist may {what} ({code}); {signer.username} is a {signer.role.value}")
    if not active:
        raise PermissionRefused(f"{signer.username}'s account is switched off; an active pharmacist must {what} ({code})")
    try:
        return check_reason(reason)
    except RecordError as error:
        raise RecordError(f"{code}: {error}") from None


def check_account_change(
    actor: Actor, *, target_id: int, target_username: str, is_active_administrator: bool, stays_active_administrator: bool,
    deactivates: bool, active_administrators: int,
) -> None:
    """Raise unless ``actor`` may make this change to an account: only an administrator changes
    accounts; nobody switches off their own; the last active administrator stays one."""
    may_manage_users(actor)
    if deactivates and target_id == actor.id:
        raise PermissionRefused("you cannot deactivate your own account; another administrator can")
    if is_active_administrator and not stays_active_administrator and active_administrators <= 1:
        raise PermissionRefused(f"{target_username} is the last active administrator; make another administrator first")


def check_new_password(password: str, repeated: str) -> None:
    """The two typings must agree and be long enough."""
    if password != repeated:
        raise RecordError("the two passwords differ; type the same password twice")
    if len(password) < MIN_PASSWORD:
        raise RecordError(f"a password needs at least {MIN_PASSWORD} characters")


# --------------------------------------------------------------------------- weights


_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(g)?\s*$", re.IGNORECASE)
MAX_WEIGHT_G = Decimal("100000")


def parse_weight(text: str | Decimal | int | float) -> Decimal:
    """An actual weight in grams, as typed at the balance ("7.432" or "7.432 g"); refuses
    anything that is not a plain, finite, non-negative number."""
    if isinstance(text, bool):
        raise RecordError(f"{text!r} is not a weight; type the grams shown by the balance, e.g. 7.432")
    if isinstance(text, (int, float, Decimal)):
        raw = str(text)
    elif isinstance(text, str):
        match = _NUMBER.match(text.replace(",", "."))
        if not match:
            raise RecordError(f"{text!r} is not a weight; type the grams shown by the balance, e.g. 7.432")
        raw = match.group(1)
    else:
        raise RecordError(f"{text!r} is not a weight; type the grams shown by the balance, e.g. 7.432")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RecordError(f"{text!r} is not a weight; type the grams shown by the balance, e.g. 7.432") from None
    if not value.is_finite():
        raise RecordError(f"{text!r} is not a weight; type the grams shown by the balance")
    if value < 0:
        raise RecordError(f"a weight cannot be negative ({text!r})")
    if value > MAX_WEIGHT_G:
        raise RecordError(f"{text!r} g is more than any compounding balance weighs; check the entry")
    return value


@dataclass(frozen=True)
class Deviation:
    grams: Decimal  # actual - target
    percent: Decimal | None  # of the target; None for a zero target
    out_of_tolerance: bool


def deviation(target: Decimal, actual: Decimal, tolerance_percent: Decimal) -> Deviation:
    """How far the weighed amount is from the target, and whether that is outside ± tolerance."""
    difference = actual - target
    if target == 0:
        return Deviation(difference, None, actual != 0)
    percent = (difference / target * 100).quantize(Decimal("0.01"))
    return Deviation(difference, percent, abs(difference / target * 100) > tolerance_percent)


def parse_tolerance(value: str | Decimal) -> Decimal:
    try:
        tolerance = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        raise RecordError(f"{value!r} is not a tolerance; give a percentage such as 5 %") from None
    if not tolerance.is_finite() or not (0 < tolerance < 100):
        raise RecordError(f"{value!r} is not a tolerance; give the SOP's, more than 0 % and under 100 %")
    return tolerance


# --------------------------------------------------------------------------- lots

NEAR_EXPIRY_DAYS = 30


def lot_problem(
    expires: dt.date, remaining: Decimal, on: dt.date, needed: Decimal = Decimal(0), beyond_use: dt.date | None = None
) -> str | None:
    """Why a lot cannot be used on ``on`` (expired, exhausted, not enough left, or expiring
    before the preparation's beyond-use date, which may not outlast any component), else None."""
    if expires < on:
        return f"expired on {expires.isoformat()}"
    if beyond_use is not None and expires < beyond_use:
        return (
            f"it expires on {expires.isoformat()}, before the batch's beyond-use date {beyond_use.isoformat()} "
            "(a preparation may not outlast any component); use a lot that outlasts it"
        )
    if remaining <= 0:
        return "exhausted (nothing left)"
    if needed > remaining:
        return f"only {remaining} g left, {needed} g needed"
    return None


def near_expiry(expires: dt.date, on: dt.date, days: int = NEAR_EXPIRY_DAYS) -> bool:
    return on <= expires <= on + dt.timedelta(days=days)


# --------------------------------------------------------------------------- batch numbers

BATCH_NUMBER = re.compile(r"^\d{6}-\d{3,}$")


def batch_day(on: dt.date) -> str:
    return on.strftime("%y%m%d")


def format_batch_number(on: dt.date, sequence: int) -> str:
    """``YYMMDD-NNN``: the day and the batch's place in it (more digits after the 999th)."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{batch_day(on)}-{sequence:03d}"


# --------------------------------------------------------------------------- passwords

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` with a random salt (hashlib.scrypt, 64-byte key)."""
    if len(password) < MIN_PASSWORD:
        raise RecordError(f"a password needs at least {MIN_PASSWORD} characters")
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=64)
    return "$".join(("scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(key)))


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
