"""The pharmacy's weighing policy, as the records hold it (issue 28, observation 9): the weighing
tolerance every batch is made at, and whether every container must be scanned and every weight
read from the balance. An administrator stores them (``pharmacy_rules.set_rules``, audited); a
technician does not choose them for a batch.

Where the policy requires the balance, a typed weight needs a pharmacist's signed reason at the
moment it is typed (``SignedReason``: user name and password checked by ``sign_reason``, read
again in the write's own transaction by ``check_signed``), stored on the line with the weight. Where
it requires the scan, a line whose container was not scanned needs a pharmacist's confirmation by
hand with the reason (``station.confirm_by_hand``). The preparer's signature waits for both
(``missing_reasons``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from compounder.records.pharmacy_rules import stored_rules
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role, check_reason, parse_tolerance
from compounder.records.signing import Credentials


@dataclass(frozen=True)
class WeighingPolicy:
    """The stored rules: the tolerance in percent (None: not stored yet) and what is required."""

    tolerance_percent: Decimal | None
    scan_required: bool
    balance_required: bool


@dataclass(frozen=True)
class SignedReason:
    """A pharmacist's signature on a reason as typed: their user name and password (checked
    again in the write that stores it, ``check_signed``) and why."""

    signer: Credentials
    reason: str


@dataclass(frozen=True)
class CheckedReason:
    """A signed reason whose password and signer were checked in the write that stores it."""

    signer: Actor
    reason: str


def weighing_policy(session: Session) -> WeighingPolicy:
    """The pharmacy's weighing policy as an administrator stored it in the records."""
    stored = stored_rules(session)
    tolerance = stored.get("weighing_tolerance")
    scan, balance = stored.get("scan_required"), stored.get("balance_required")
    return WeighingPolicy(
        tolerance_percent=parse_tolerance(tolerance[0]) if tolerance is not None and tolerance[0] is not None else None,
        scan_required=bool(scan[0]) if scan is not None else False,
        balance_required=bool(balance[0]) if balance is not None else False,
    )


def batch_tolerance(session: Session, given: str | Decimal | None) -> Decimal:
    """The tolerance a new batch is made at: the pharmacy's when stored (a different one given is
    refused: the tolerance is not the technician's to choose), else the one given (from the
    settings file, until an administrator stores it)."""
    pharmacy = weighing_policy(session).tolerance_percent
    if pharmacy is None:
        if given is None or not str(given).strip():
            raise RecordError(
                "weighing tolerance: the pharmacy has none; an administrator sets the SOP's under File ▸ Pharmacy settings…"
            )
        return parse_tolerance(given)
    if given is not None and str(given).strip() and parse_tolerance(given) != pharmacy:
        raise RecordError(
            f"weighing tolerance: the pharmacy's is ± {pharmacy:f} % (an administrator's setting); "
            f"a batch is not made at ± {parse_tolerance(given):f} %"
        )
    return pharmacy


def sign_reason(sessions: Callable[[], Session], username: str, password: str, reason: str, now: dt.datetime) -> SignedReason:
    """A pharmacist's signature on a reason, checked here: the user name and password against
    the users table (``people.sign_in``: a wrong one is refused and counted), the role, and the
    reason. What it allows is checked again where it is used (``check_signed``)."""
    from compounder.records import people

    why = check_reason(reason)
    actor = people.sign_in(sessions, username, password, now)
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"{actor.username} is a {actor.role.value}: only a pharmacist signs this reason")
    return SignedReason(Credentials(username, password), why)


def check_signed(session: Session, signed: SignedReason, what: str) -> CheckedReason:
    """``signed`` with its password checked in this write and its signer as the account is now
    (active, unlocked, a pharmacist) and its reason tidied, or a refusal naming ``what`` it was
    to allow."""
    from compounder.records.signing import signer as signing_account

    signer = signing_account(session, signed.signer)
    if signer.role is not Role.PHARMACIST:
        raise PermissionRefused(f"{signer.username} is a {signer.role.value}: only a pharmacist signs the reason for {what}")
    try:
        return CheckedReason(signer, check_reason(signed.reason))
    except RecordError as error:
        raise RecordError(f"{what}: {error}") from None


def typed_weight_reason(session: Session, signed: SignedReason | None, source: str, what: str) -> CheckedReason | None:
    """The signed reason a weight from ``source`` needs under the policy (None: none needed), or
    a refusal saying what is needed."""
    if source != "typed" or not weighing_policy(session).balance_required:
        return None
    if signed is None:
        raise RecordError(
            f"{what}: the pharmacy requires weights read from the balance; a typed weight needs a pharmacist's "
            "user name, password and reason at the moment it is typed"
        )
    return check_signed(session, signed, f"{what} typed")


@dataclass(frozen=True)
class Weighed:
    """What the signature check needs to know of one weight on a line."""

    what: str  # "line 2 (Lidocaine HCl)" or "line 1 (…), aliquot portion"
    source: str | None
    reason: str | None


def missing_reasons(
    policy: WeighingPolicy, lines: Iterable[tuple[str, str | None]], weights: Sequence[Weighed],
) -> list[str]:
    """Why the policy holds the preparer's signature back: for each line (what, identity), one
    not scanned nor confirmed by hand by a pharmacist; for each weight, one typed without a
    pharmacist's signed reason."""
    missing = []
    if policy.scan_required:
        missing += [
            f"{what}: the container was not scanned; scan it, or a pharmacist confirms it by hand with the reason"
            for what, identity in lines if identity not in ("scanned", "by hand")
        ]
    if policy.balance_required:
        missing += [
            f"{weighed.what}: the weight was typed without a pharmacist's signed reason; weigh it on the balance, or a pharmacist signs why"
            for weighed in weights if weighed.source != "balance" and not weighed.reason
        ]
    return missing


def source_text(source: str | None, balance_id: str | None, reason: str | None, by: str | None) -> str:
    """Where a weight came from, as the verify view and the worksheet say it."""
    if source == "balance":
        return f"balance {balance_id}" if balance_id else "balance"
    if source == "typed" or source is None:
        text = "typed"
        if reason:
            text += f" — {by or 'a pharmacist'}: {reason}"
        return text
    return source


def identity_text(identity: str | None, reason: str | None = None, by: str | None = None) -> str:
    """How the line's container was confirmed."""
    if identity == "scanned":
        return "scanned"
    if identity == "by hand":
        return "by hand" + (f" — {by or 'a pharmacist'}: {reason}" if reason else "")
    return "not scanned (lot chosen from the list)"

