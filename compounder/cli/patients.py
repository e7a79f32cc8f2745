"""``patients show|set-profile``: a patient's stored screening profile."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TextIO

from compounder.calc import Catalog
from compounder.cli.errors import EXIT_OK
from compounder.cli.inputs import on_database, optional_date, read_formula_file, search_texts


def patients_command(args: argparse.Namespace, catalog: Catalog, out: TextIO, err: TextIO, ask_password: Callable[[str], str]) -> int:
    """``patients show`` / ``patients set-profile``: the records' own functions, in one transaction."""
    from compounder.calc.patient import parse_patient, profile_data
    from compounder.calc.record import patient_facts
    from compounder.records import people
    from compounder.records.boundary import reading, transaction
    from compounder.records.database import migrate, session_factory
    from compounder.records.library import utc_now
    from compounder.records.patients import entry_from_profile, find_patient, save_profile

    born = optional_date(args.born, "--born")
    search_texts(args, {"name": "patient"})
    with on_database(args.database, create=True, warnings=err) as (engine, where):
        migrate(engine)
        if args.patients_command == "contact":
            from compounder.records.contacts import set_contact

            actor = people.sign_in(session_factory(engine), args.user, ask_password(f"password of {args.user}: "), utc_now())
            with transaction(session_factory(engine)) as session:
                patient = find_patient(session, args.name, born)
                saved = set_contact(session, actor, patient.patient_id, args.address.replace("; ", "\n"), args.phone, utc_now())
            out.write(f"saved the contact details of {patient.name}: {saved.address.replace(chr(10), ', ')}; {saved.phone}\n")
            return EXIT_OK
        if args.patients_command == "set-profile":
            profile = parse_patient(read_formula_file(args.profile), catalog)
            actor = people.sign_in(session_factory(engine), args.user, ask_password(f"password of {args.user}: "), utc_now())
            with transaction(session_factory(engine)) as session:
                stored = save_profile(session, actor, find_patient(session, args.name, born).patient_id, entry_from_profile(profile), catalog, utc_now())
            out.write(f"saved the profile of {stored.name}\n")
            return EXIT_OK
        from compounder.cli.errors import UsageError
        from compounder.cli.privacy import patients_shown

        if not patients_shown(args, engine, ask_password):  # a profile is nothing but a patient's details
            raise UsageError("compounder: patients show: give --user, a user who sees patients' details (the password is asked for)")
        with reading(session_factory(engine)) as session:
            from compounder.records.contacts import contact

            stored = find_patient(session, args.name, born)
            reach = contact(session, stored.patient_id)
        profile = stored.screening()
        if args.json:
            json.dump(profile_data(profile), out, indent=2, ensure_ascii=False)
            out.write("\n")
            return EXIT_OK
        facts = patient_facts(profile, catalog, utc_now().date())
        changed = f"{stored.updated_by}, {stored.updated_at.isoformat(timespec='minutes')}" if stored.updated_at else "never recorded"
        for label, value in (("patient", stored.name), ("age", facts.age), ("weight", facts.weight), ("allergies", facts.allergies),
                             ("conditions", facts.conditions), ("medicines", facts.medications), ("medication notes", facts.medication_notes),
                             ("last changed", changed),
                             ("address", reach.address.replace("\n", ", ") if reach else "not recorded"), ("phone", reach.phone if reach else "not recorded")):
            out.write(f"{label + ':':<18}{value}\n")
        return EXIT_OK

