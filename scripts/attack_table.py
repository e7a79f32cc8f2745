"""Issue 22's tried/detected table: attacks by someone with SQL (or file) access to a pharmacy's
database, each on a fresh copy of one filled database, on SQLite and on PostgreSQL.

    .venv/bin/python scripts/attack_table.py [--only sqlite|postgresql]

For each attack: whether the app refused the work that would have covered it, whether the start-up
check (``head_file.loss_at_start``) or ``db check`` (incremental, from the checkpoint a clean check
left just before the attack) reported it, and whether ``db check --full`` did. An attack counts as
detected when any of them did. PostgreSQL runs on a throw-away server (tests/pgcluster.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from compounder.records import audit, batches, head_file, lots, people  # noqa: E402
from compounder.records.audit_commands import export, run_check  # noqa: E402
from compounder.records.audit_keys import KEY_ENV, key_id, load_keys, new_key  # noqa: E402
from compounder.records.database import migrate, open_database  # noqa: E402
from compounder.records.model import AuditEntry, AuditHead, Batch, User  # noqa: E402
from compounder.records.policy import RecordError, Role, hash_password  # noqa: E402
from tests.records.conftest import Clock  # noqa: E402
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all  # noqa: E402
from tests.records.signing_helpers import credentials_of


@dataclass
class Outcome:
    refused: bool = False
    at_start: bool = False
    check: bool = False
    full: bool = False

    @property
    def detected(self) -> bool:
        return self.refused or self.at_start or self.check or self.full


class Attack:
    """One attack on one fresh copy: the database, its sessions, and the helpers attacks use."""

    def __init__(self, backend: str, url: str, data: Path, older: Callable[[], Callable[[], None]], clock: Clock) -> None:
        self.backend, self.url, self.data, self.clock = backend, url, data, clock
        self._older = older
        self.engine = open_database(url, heads=data / "audit-heads.json")
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.outcome = Outcome()

    # --- what attacks do
    def sql(self, statement: str, **values) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(statement), values)

    def app(self, action: Callable) -> None:
        """Work through the records; a refusal because of the tampering counts as detection
        (another refusal — a wrong password — does not)."""
        try:
            action()
        except audit.ChangedOutsideApp:
            self.outcome.refused = True
        except RecordError as error:
            print(f"    (refused for another reason: {error})", file=sys.stderr)

    def batch_by_rx(self, rx: str) -> str:
        with self.sessions() as s:
            return s.scalar(select(Batch.batch_number).where(Batch.rx_number == rx))

    def actor(self, username: str):
        with self.sessions() as s:
            user = s.scalar(select(User).where(User.username == username))
            return people.Actor(user.id, user.username, Role(user.role))

    def batch(self, status: str) -> str:
        with self.sessions() as s:
            return s.scalar(select(Batch.batch_number).where(Batch.status == status).order_by(Batch.id).limit(1))

    def older_copy(self) -> Callable[[], None]:
        """An older copy of the database now; the function returned puts it back."""
        self.engine.dispose()
        return self._older()

    @property
    def heads(self) -> Path:
        return self.data / "audit-heads.json"

    # --- how it is judged
    def judge(self) -> Outcome:
        self.engine.dispose()
        engine = open_database(self.url, heads=self.heads)
        try:
            self.outcome.at_start = bool(head_file.loss_at_start(engine))
            self.outcome.check = bool(run_check(engine, self.heads, self.clock()).problems)
            self.outcome.full = bool(run_check(engine, self.heads, self.clock(), full=True).problems)
        except Exception as error:  # noqa: BLE001 - a database the check cannot read is found too
            print(f"    ({type(error).__name__}: {error})", file=sys.stderr)
            self.outcome.check = self.outcome.full = True
        finally:
            engine.dispose()
        return self.outcome


# --------------------------------------------------------------------------- the attacks

ATTACKS: list[tuple[str, Callable[[Attack], None]]] = []


def attack(name: str):
    def register(function: Callable[[Attack], None]) -> Callable[[Attack], None]:
        ATTACKS.append((name, function))
        return function

    return register


ROW_EDITS = [
    ("role of a technician set to pharmacist", "UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'"),
    ("switched-off account switched on", "UPDATE app_user SET active = :t WHERE username = 'peter'"),
    ("password hash swapped", "UPDATE app_user SET password_hash = :hash WHERE username = 'paula'"),
    ("failed sign-in count set", "UPDATE app_user SET failed_sign_ins = 3 WHERE username = 'tess'"),
    ("100 g removed from a lot", "UPDATE ingredient_lot SET remaining_ug = remaining_ug - 100000000 WHERE id = 1"),
    ("a lot's expiry moved", "UPDATE ingredient_lot SET expires = '2031-01-01' WHERE id = 1"),
    ("a batch's tolerance changed", "UPDATE batch SET tolerance_percent = 50 WHERE status = 'draft'"),
    ("a batch's prescription changed", "UPDATE batch SET rx_number = 'RX-9999' WHERE status = 'verified'"),
    ("a verified batch marked dispensed", "UPDATE batch SET status = 'dispensed' WHERE status = 'verified'"),
    ("a weighed amount changed", "UPDATE batch_line SET actual_ug = actual_ug + 1000000 WHERE id = 1"),
    ("a master formula renamed", "UPDATE master_formula SET name = 'Tampered' WHERE id = (SELECT min(id) FROM master_formula)"),
    ("a formula version's approval removed", "UPDATE master_formula_version SET approved_by = NULL WHERE approved_by IS NOT NULL"),
    ("the batch-number counter set back", "UPDATE batch_counter SET last = 0"),
    ("a patient's date of birth changed", "UPDATE patient SET date_of_birth = '2020-03-02' WHERE id = 1"),
    ("a pharmacy rule changed", "UPDATE pharmacy_rule SET value = '50 %' WHERE name = 'weighing_tolerance'"),
    ("a patient added outside the app", "INSERT INTO patient (name, search_key, created_at) VALUES ('X Y', 'x y', '2026-01-01 00:00:00')"),
    ("an administrator added outside the app", (
        "INSERT INTO app_user (username, full_name, role, password_hash, active, created_at) "
        "VALUES ('mallory', 'Mallory', 'administrator', 'x', :t, '2026-01-01 00:00:00')")),
    ("a patient without batches deleted", "DELETE FROM patient WHERE name = 'Solo Patient'"),
]


def _row_edit(statement: str) -> Callable[[Attack], None]:
    def run(a: Attack) -> None:
        a.sql(statement, **{k: v for k, v in {"t": True, "hash": hash_password("attacker's password")}.items() if f":{k}" in statement})

    return run


for _name, _statement in ROW_EDITS:
    attack(f"SQL: {_name}")(_row_edit(_statement))


@attack("laundered: technician made pharmacist, then a mistyped and a good sign-in")
def _(a: Attack) -> None:
    a.sql("UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'")
    for password in ("mistyped!", PASSWORD):
        a.app(lambda password=password: people.sign_in(a.sessions, "tess", password, a.clock()))


@attack("laundered: 100 g removed from a lot, then a draw from it")
def _(a: Attack) -> None:
    a.sql("UPDATE ingredient_lot SET remaining_ug = remaining_ug - 100000000 WHERE id = 1")

    def draw() -> None:
        with a.sessions.begin() as s:
            lots.draw(s, a.actor("tess"), 1, __import__("decimal").Decimal("1"), a.clock().date(), a.clock(), "draw")

    a.app(draw)


@attack("laundered: a draft batch's tolerance changed, then signed as prepared")
def _(a: Attack) -> None:
    a.sql("UPDATE batch SET tolerance_percent = 50 WHERE status = 'draft'")
    number = a.batch_by_rx("RX-1004")

    def sign() -> None:
        with a.sessions.begin() as s:
            batches.sign_prepared(s, credentials_of(a.actor("tess")), number, a.clock())

    a.app(sign)


@attack("laundered: a draft batch's prescription changed, then signed as prepared")
def _(a: Attack) -> None:
    number = a.batch_by_rx("RX-1004")
    a.sql("UPDATE batch SET rx_number = 'RX-9999' WHERE status = 'draft'")

    def sign() -> None:
        with a.sessions.begin() as s:
            batches.sign_prepared(s, credentials_of(a.actor("tess")), number, a.clock())

    a.app(sign)


@attack("laundered: failed sign-in count reset, then more guesses")
def _(a: Attack) -> None:
    for _ in range(4):
        a.app(lambda: people.sign_in(a.sessions, "tess", "a guess", a.clock()))
    a.outcome.refused = False  # wrong passwords are refused anyway: not detection
    a.sql("UPDATE app_user SET failed_sign_ins = NULL WHERE username = 'tess'")
    try:
        people.sign_in(a.sessions, "tess", "another guess", a.clock())
    except audit.ChangedOutsideApp:
        a.outcome.refused = True
    except RecordError:
        pass


@attack("laundered: locked account unlocked by SQL, then signed in")
def _(a: Attack) -> None:
    for _ in range(5):
        with contextlib.suppress(RecordError):
            people.sign_in(a.sessions, "paula", "a guess", a.clock())
    a.sql("UPDATE app_user SET locked_at = NULL, failed_sign_ins = NULL WHERE username = 'paula'")
    a.app(lambda: people.sign_in(a.sessions, "paula", PASSWORD, a.clock()))


@attack("laundered: a patient's date of birth changed, then a patient looked up and saved")
def _(a: Attack) -> None:
    a.sql("UPDATE patient SET date_of_birth = '2020-03-02' WHERE name = 'Solo Patient'")

    def save() -> None:
        from compounder.records.patients import ProfileEntry, save_profile

        with a.sessions.begin() as s:
            solo = s.execute(text("SELECT id FROM patient WHERE name = 'Solo Patient'")).scalar_one()
            save_profile(s, a.actor("tess"), solo, ProfileEntry(medication_notes="none"), CATALOG[0], a.clock())

    a.app(save)


def _signed_during(change: str, back: str, signer: str, rx: str) -> Callable[[Attack], None]:
    def run(a: Attack) -> None:
        number = a.batch_by_rx(rx)
        a.sql(change, **({"hash": hash_password("attacker's password")} if ":hash" in change else {}), **({"t": True} if ":t" in change else {}))

        def verify() -> None:
            if ":hash" in change:
                people.sign_in(a.sessions, signer, "attacker's password", a.clock())
            with a.sessions.begin() as s:
                actor = a.actor(signer)
                batches.verify(s, credentials_of(actor), number, a.clock())

        a.app(verify)
        with a.engine.begin() as connection:
            connection.execute(text(back), {"hash": GENUINE_HASH[0], "f": False})

    return run


attack("signature: technician made pharmacist for a moment verifies")(
    _signed_during("UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'", "UPDATE app_user SET role = 'technician' WHERE username = 'tess'", "tess", "RX-1003"))
attack("signature: a swapped password hash signs in and verifies")(
    _signed_during("UPDATE app_user SET password_hash = :hash WHERE username = 'paula'", "UPDATE app_user SET password_hash = :hash WHERE username = 'paula'", "paula", "RX-1002"))
attack("signature: a switched-off pharmacist switched on for a moment verifies")(
    _signed_during("UPDATE app_user SET active = :t WHERE username = 'peter'", "UPDATE app_user SET active = :f WHERE username = 'peter'", "peter", "RX-1002"))


# --- the trail itself


@attack("trail: an entry's user name edited")
def _(a: Attack) -> None:
    a.sql("UPDATE audit_entry SET username = 'paula' WHERE sequence = (SELECT max(sequence) - 3 FROM audit_entry)")


@attack("trail: an entry deleted in the middle")
def _(a: Attack) -> None:
    a.sql("DELETE FROM audit_entry WHERE sequence = (SELECT max(sequence) / 2 FROM audit_entry)")


@attack("trail: the last entries deleted and the head moved back")
def _(a: Attack) -> None:
    with a.engine.begin() as c:
        last = c.execute(text("SELECT max(sequence) FROM audit_entry")).scalar_one()
        keep = c.execute(text("SELECT hash FROM audit_entry WHERE sequence = :s"), {"s": last - 3}).scalar_one()
        c.execute(text("DELETE FROM audit_entry WHERE sequence > :s"), {"s": last - 3})
        c.execute(text("UPDATE audit_head SET sequence = :s, last_hash = :h"), {"s": last - 3, "h": keep})


def _forge(a: Attack, key: bytes | None, edit: str) -> None:
    with a.sessions.begin() as s:
        s.execute(text(edit))
        head = s.execute(select(AuditHead.sequence, AuditHead.last_hash)).one()
        tess = s.scalar(select(User.id).where(User.username == "tess"))
        old = s.scalars(select(AuditEntry.new).where(AuditEntry.table_name == "app_user", AuditEntry.row_id == tess).order_by(AuditEntry.sequence.desc()).limit(1)).one()
        fields = {
            "sequence": head.sequence + 1, "at": a.clock(), "user_id": None, "username": "admin", "action": "change role",
            "table_name": "app_user", "row_id": tess, "old": old, "new": audit.canonical(audit.snapshot(s, "app_user", tess)),
        }
        digest = audit.entry_mac(key, head.last_hash, fields) if key else audit.entry_hash(head.last_hash, fields)
        s.add(AuditEntry(**fields, previous_hash=head.last_hash, hash=digest))
        s.execute(AuditHead.__table__.update().values(sequence=head.sequence + 1, last_hash=digest))


attack("trail: role change covered by a forged SHA-256 entry")(lambda a: _forge(a, None, "UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'"))
attack("trail: role change covered by an entry signed with the attacker's key")(lambda a: _forge(a, new_key(), "UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'"))


@attack("trail: keying stripped and the whole chain recomputed with SHA-256")
def _(a: Attack) -> None:
    with a.sessions.begin() as s:
        s.execute(text("UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'"))
        previous = audit.GENESIS
        for entry in s.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all():
            if entry.table_name == "app_user" and entry.new and '"username":"tess"' in entry.new:
                state = json.loads(entry.new)
                state["role"] = "pharmacist"
                entry.new = audit.canonical(state)
            entry.previous_hash = previous
            s.flush()
            row = s.execute(select(AuditEntry.__table__).where(AuditEntry.id == entry.id)).mappings().one()
            entry.hash = previous = audit.entry_hash(previous, row)
            s.flush()
        s.execute(AuditHead.__table__.update().values(last_hash=previous, keyed_from=None, key_id=None))


@attack("trail: the start of the keyed part moved past a forged entry")
def _(a: Attack) -> None:
    _forge(a, None, "UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'")
    a.sql("UPDATE audit_head SET keyed_from = sequence")


@attack("trail: an entry's recorded state edited to match a changed row")
def _(a: Attack) -> None:
    with a.sessions.begin() as s:
        s.execute(text("UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'"))
        tess = s.scalar(select(User.id).where(User.username == "tess"))
        entry = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "app_user", AuditEntry.row_id == tess).order_by(AuditEntry.sequence.desc()).limit(1)).one()
        entry.new = audit.canonical(audit.snapshot(s, "app_user", tess))


@attack("trail: two entries' places swapped")
def _(a: Attack) -> None:
    with a.engine.begin() as c:
        last = c.execute(text("SELECT max(sequence) FROM audit_entry")).scalar_one()
        c.execute(text("UPDATE audit_entry SET sequence = -1 WHERE sequence = :s"), {"s": last - 1})
        c.execute(text("UPDATE audit_entry SET sequence = :a WHERE sequence = :b"), {"a": last - 1, "b": last - 2})
        c.execute(text("UPDATE audit_entry SET sequence = :b WHERE sequence = -1"), {"b": last - 2})


@attack("trail: the database's identity cleared")
def _(a: Attack) -> None:
    a.sql("UPDATE audit_head SET database_id = NULL")


@attack("trail: the database's identity changed (no head applies)")
def _(a: Attack) -> None:
    a.sql("UPDATE audit_head SET database_id = 'ffffffffffffffffffffffffffffffff'")


# --- rollback and the head file


def _work(a: Attack) -> None:
    pharmacy = PHARMACY[0]
    new_batch(a.sessions, a.clock, pharmacy, rx="RX-2002")  # recorded outside the database at its commit
    a.engine.dispose()


def _rollback(a: Attack, then: Callable[[Attack], None] = lambda a: None) -> None:
    restore = a.older_copy()
    _work(a)
    restore()
    then(a)


attack("rollback: an older copy put back")(_rollback)
attack("rollback: an older copy put back, then new work")(lambda a: _rollback(a, _more_work))
attack("rollback: an older copy put back, the head file deleted")(lambda a: _rollback(a, lambda a: a.heads.unlink()))
attack("rollback: an older copy put back, the head file emptied")(lambda a: _rollback(a, lambda a: a.heads.write_text("")))
attack("rollback: an older copy put back, the head's sequence edited down")(lambda a: _rollback(a, _lower_head))
attack("rollback: an older copy put back, the head file in the old unsigned form")(lambda a: _rollback(a, _old_form))
attack("rollback: an older copy put back and checked under another name")(lambda a: _rollback(a, _other_name))


def _more_work(a: Attack) -> None:
    engine = open_database(a.url, heads=a.heads)
    with sessionmaker(engine)() as s, s.begin():
        people.patient(s, a.actor("tess"), "Someone New", None, a.clock())
    engine.dispose()


def _lower_head(a: Attack) -> None:
    data = json.loads(a.heads.read_text())
    for head in data["heads"].values():
        head["sequence"] -= 5
    a.heads.write_text(json.dumps(data))


def _old_form(a: Attack) -> None:
    a.heads.write_text(json.dumps({a.url: {"sequence": 1, "hash": "0" * 64, "exported_at": "2026-01-01"}}))


def _other_name(a: Attack) -> None:
    if a.backend == "sqlite":
        path = Path(a.url.removeprefix("sqlite:///"))
        a.url = f"sqlite:///{path.parent}//{path.name}"
    else:
        a.url = a.url.replace("@127.0.0.1:", "@localhost:")


@attack("rollback: the database replaced by another pharmacy's at the same place")
def _(a: Attack) -> None:
    a.engine.dispose()
    ANOTHER[0](a)


@attack("key: the key file made world-readable")
def _(a: Attack) -> None:
    key_file = a.data / "audit.key"
    key_file.write_text(os.environ[KEY_ENV] + "\n")
    key_file.chmod(0o644)
    ring = load_keys(a.data, {"COMPOUNDER_AUDIT_KEY_FILE": str(key_file)})
    a.outcome.refused = ring.problem is not None


CATALOG: list = []
PHARMACY: list = []
GENUINE_HASH: list[str] = []
ANOTHER: list[Callable[[Attack], None]] = []


# --------------------------------------------------------------------------- running them


def _fill(url: str, heads: Path, clock: Clock, catalog, *, keep: bool) -> None:
    """Four people, an approved formula, lots; batches RX-1001 verified, RX-1002 prepared by
    tess, RX-1003 prepared by paula, RX-1004 weighed draft; peter switched off; a patient with
    no batch; the weighing tolerance stored as a pharmacy rule."""
    engine = open_database(url, heads=heads)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    if keep:
        PHARMACY[:] = [pharmacy]
    made = [weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx=f"RX-100{n}")) for n in (1, 2, 3, 4)]
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), made[0].batch_number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), made[0].batch_number, clock())
        batches.sign_prepared(s, credentials_of(pharmacy.technician), made[1].batch_number, clock())
        batches.sign_prepared(s, credentials_of(pharmacy.pharmacist), made[2].batch_number, clock())
        people.set_active(s, pharmacy.admin, "peter", False, clock())
        people.patient(s, pharmacy.technician, "Solo Patient", dt.date(1990, 1, 1), clock())
        from compounder.records import pharmacy_rules
        from compounder.settings import EXAMPLE, settings_from_data

        pharmacy_rules.set_rules(s, pharmacy.admin, settings_from_data({**EXAMPLE, "weighing_tolerance": "5 %"}), clock())
        if keep:
            GENUINE_HASH[:] = [s.scalar(select(User.password_hash).where(User.username == "paula"))]
    engine.dispose()


def run(backend: str, work: Path, catalog, cluster) -> list[tuple[str, Outcome]]:
    clock = Clock()
    template_heads = work / f"{backend}-template-heads.json"
    if backend == "sqlite":
        template = work / "template.sqlite"
        _fill(f"sqlite:///{template}", template_heads, clock, catalog, keep=True)
        other = work / "other.sqlite"
        _fill(f"sqlite:///{other}", template_heads, Clock(), catalog, keep=False)
    else:
        _fill(cluster.create_database("attack_template"), template_heads, clock, catalog, keep=True)
        _fill(cluster.create_database("attack_other"), template_heads, Clock(), catalog, keep=False)
    results = []
    for number, (name, function) in enumerate(ATTACKS, start=1):
        data = work / f"{backend}-{number}"
        data.mkdir()
        if backend == "sqlite":
            (data / "db").mkdir()
            path = data / "db" / "c.sqlite"
            shutil.copyfile(template, path)
            url = f"sqlite:///{path}"

            def older(path=path) -> Callable[[], None]:
                shutil.copyfile(path, path.with_suffix(".older"))
                return lambda: shutil.copyfile(path.with_suffix(".older"), path)

            def another(a: Attack, path=path) -> None:
                shutil.copyfile(other, path)
        else:
            name_ = f"attack_{number}"
            with psycopg.connect(cluster.admin_dsn(), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name_}" TEMPLATE "attack_template"')
            url = cluster.url(name_)

            def older(name_=name_) -> Callable[[], None]:
                with psycopg.connect(cluster.admin_dsn(), autocommit=True) as admin:
                    admin.execute(f'CREATE DATABASE "{name_}_old" TEMPLATE "{name_}"')

                def restore() -> None:
                    with psycopg.connect(cluster.admin_dsn(), autocommit=True) as admin:
                        admin.execute(f'DROP DATABASE "{name_}" WITH (FORCE)')
                        admin.execute(f'ALTER DATABASE "{name_}_old" RENAME TO "{name_}"')

                return restore

            def another(a: Attack, name_=name_) -> None:
                with psycopg.connect(cluster.admin_dsn(), autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE "{name_}" WITH (FORCE)')
                    admin.execute(f'CREATE DATABASE "{name_}" TEMPLATE "attack_other"')

        ANOTHER[:] = [another]
        a = Attack(backend, url, data, older, clock)
        # This workstation has used the database and checked it clean: its head and checkpoint are recorded.
        export(a.engine, a.heads, clock())
        assert not run_check(a.engine, a.heads, clock()).problems, name
        a.engine.dispose()
        a = Attack(backend, url, data, older, clock)
        try:
            function(a)
        except Exception as error:  # noqa: BLE001 - an attack that breaks is reported, not fatal
            print(f"  {name}: the attack itself failed: {type(error).__name__}: {error}", file=sys.stderr)
        results.append((name, a.judge()))
        print(f"  {backend} {number:2d} {name}: {'detected' if results[-1][1].detected else 'MISSED'}", file=sys.stderr)
    return results


def table(backend: str, results: list[tuple[str, Outcome]]) -> str:
    mark = {True: "yes", False: "-"}
    lines = [
        f"\n{backend}: {sum(o.detected for _n, o in results)} of {len(results)} attacks detected",
        f"{'attack':<82} {'refused':>8} {'start':>6} {'check':>6} {'--full':>7} {'found':>6}",
    ]
    for name, o in results:
        lines.append(f"{name:<82} {mark[o.refused]:>8} {mark[o.at_start]:>6} {mark[o.check]:>6} {mark[o.full]:>7} {'yes' if o.detected else 'MISSED':>6}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    key = new_key()
    os.environ[KEY_ENV] = key.hex()
    assert key_id(key)
    from compounder.data.catalog import load_catalog

    CATALOG[:] = [load_catalog()]
    with tempfile.TemporaryDirectory(prefix="attacks-") as folder:
        work = Path(folder)
        backends = [args.only] if args.only else ["sqlite", "postgresql"]
        cluster = None
        if "postgresql" in backends:
            from tests.pgcluster import Cluster

            cluster = Cluster().start()
        try:
            output = [table(backend, run(backend, work, CATALOG[0], cluster)) for backend in backends]
        finally:
            if cluster is not None:
                cluster.remove()
    print("\n".join(output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
