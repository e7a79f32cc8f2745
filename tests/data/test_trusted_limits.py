"""Issue #12, reference data a pharmacist can trust: the corrected limits with their numbers and
the kind of their source, the new actives and excipients, the controlled-substance schedules,
and no aggregator or AI-written page behind any value."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import pytest

from compounder.data.build import ReferenceDataError, build

DATA = Path(__file__).resolve().parents[2] / "data"
WATER_25C = 0.99705  # g/mL; pharmacopoeial specific gravity is at 25 °C/25 °C


def pct(quantity) -> float:
    return quantity.to("percent").magnitude


def test_counterirritant_ranges_follow_the_1983_tentative_final_monograph(catalog):
    # 48 FR 5852: camphor above 3 % to 11 %, menthol 1.25-16 %, methyl salicylate 10-60 %, capsaicin 0.025-0.25 %
    expected = {"camphor": (3, 11), "menthol": (1.25, 16), "methyl salicylate": (10, 60), "capsaicin": (0.025, 0.25)}
    for name, (low, high) in expected.items():
        substance = catalog.substance(name)
        typical = substance.typical_strength
        assert (pct(typical.low), pct(typical.high)) == pytest.approx((low, high)), name
        # the top of the monograph range is a hard maximum: an error above it (menthol 40 %, capsaicin 8 %)
        assert pct(substance.max_strength.value) == pytest.approx(high), name
        for source in (typical.source, substance.max_strength.source):
            assert source.kind == "primary" and "48 FR 5852" in source.title, name


def test_camphor_note_keeps_the_phenol_condition(catalog):
    note = catalog.substance("camphor").max_strength.note
    # 0.1-3 % as an analgesic; 3-10.8 % only with phenol (OTC monograph M017.10); 11 % ceiling since 1980
    assert "10.8 %" in note and "phenol" in note and "11 %" in note


def test_lidocaine_daily_maximum_is_the_labels_lower_figure(catalog):
    lidocaine = catalog.substance("lidocaine")
    # Lidocaine Ointment 5 %: 17-20 g a day = 17 g × 50 mg/g = 850 mg to 20 g × 50 mg/g = 1000 mg; the lower end is used
    assert lidocaine.daily_max.value.to("mg").magnitude == pytest.approx(17 * 50)
    assert lidocaine.daily_max.source.kind == "primary" and "DailyMed" in lidocaine.daily_max.source.title
    assert lidocaine.max_strength is None  # no label sets one for a prescription cream (7 % lidocaine/tetracaine is labelled)


def test_benzocaine_maximum_is_the_otc_monograph_top(catalog):
    benzocaine = catalog.substance("benzocaine")
    assert (pct(benzocaine.typical_strength.low), pct(benzocaine.typical_strength.high)) == pytest.approx((5, 20))
    assert pct(benzocaine.max_strength.value) == pytest.approx(20)
    assert "M017" in benzocaine.max_strength.source.title


def test_ranges_from_more_than_one_published_formula(catalog):
    # (low, high, form the strength is written as)
    expected = {
        "ketoprofen": (2, 10, "ketoprofen"),  # US Pharmacist 2 %; Pharmacy Times 2010 10 %
        "baclofen": (2, 2, "baclofen"),  # de Groot case 2 %; a pharmacy formula 2 %
        "amitriptyline": (1, 2, "amitriptyline hydrochloride"),  # Poterucha 2013 1 %; US Pharmacist 2 %
        "gabapentin": (6, 10, "gabapentin"),  # US Pharmacist 2024 6 %; US Pharmacist 10 %
        "cyclobenzaprine": (1, 2, "cyclobenzaprine hydrochloride"),  # US Pharmacist 2024 1 %; de Groot 2 %
    }
    for name, (low, high, as_form) in expected.items():
        typical = catalog.substance(name).typical_strength
        assert (pct(typical.low), pct(typical.high), typical.as_form) == (pytest.approx(low), pytest.approx(high), as_form), name
        assert typical.source.kind == "primary", name


def test_prilocaine_range_is_the_hcl_formula_and_emla_as_base(catalog):
    typical = catalog.substance("prilocaine").typical_strength
    assert typical.as_form == "prilocaine"
    # prilocaine HCl 2 % (US Pharmacist 2024) as base: 2 × 220.31 / 256.77 = 1.716 % → 1.72 %; EMLA 2.5 % base
    assert pct(typical.low) == pytest.approx(2 * 220.31 / 256.77, abs=0.005)
    assert pct(typical.high) == pytest.approx(2.5)


def test_diclofenac_range_is_stated_as_the_sodium_salt_of_the_labels(catalog):
    typical = catalog.substance("diclofenac").typical_strength
    # Voltaren Gel 1 % and Solaraze Gel 3 % are both diclofenac sodium
    assert (pct(typical.low), pct(typical.high), typical.as_form) == (pytest.approx(1), pytest.approx(3), "diclofenac sodium")
    assert catalog.substance("diclofenac").daily_max.as_form == "diclofenac sodium"


def test_controlled_substances_carry_their_dea_schedule(catalog):
    ketamine, tramadol = catalog.substance("ketamine"), catalog.substance("tramadol")
    assert ketamine.controlled_schedule.value == "CIII" and "1308.13" in ketamine.controlled_schedule.source.title
    assert tramadol.controlled_schedule.value == "CIV" and "1308.14" in tramadol.controlled_schedule.source.title
    uncontrolled = [s.name for s in catalog.substances if s.controlled_schedule is None]
    assert "lidocaine" in uncontrolled and "gabapentin" in uncontrolled


def test_prilocaine_carries_the_methemoglobinemia_caution(catalog):
    cautions = catalog.substance("prilocaine").cautions
    (caution,) = [c for c in cautions if "methemoglobinemia" in c.text]
    assert caution.source.kind == "primary" and "prilocaine" in caution.source.title


def test_every_active_the_issue_names_is_on_file_with_its_shelf_forms(catalog):
    forms = {
        "diclofenac": ["diclofenac epolamine"], "methyl salicylate": ["methyl salicylate"], "flurbiprofen": ["flurbiprofen"],
        "meloxicam": ["meloxicam"], "nifedipine": ["nifedipine"], "tetracaine": ["tetracaine", "tetracaine hydrochloride"],
        "benzocaine": ["benzocaine"], "bupivacaine": ["bupivacaine", "bupivacaine hydrochloride (monohydrate, USP)", "bupivacaine hydrochloride, anhydrous"],
        "clonidine": ["clonidine", "clonidine hydrochloride"], "carbamazepine": ["carbamazepine"],
        "pentoxifylline": ["pentoxifylline"], "orphenadrine": ["orphenadrine citrate"],
        "tizanidine": ["tizanidine hydrochloride"], "topiramate": ["topiramate"], "piroxicam": ["piroxicam"],
        "doxepin": ["doxepin hydrochloride"], "nortriptyline": ["nortriptyline hydrochloride"],
        "tramadol": ["tramadol hydrochloride"], "naltrexone": ["naltrexone hydrochloride"],
        "dextromethorphan": ["dextromethorphan hydrobromide monohydrate"],
    }
    for substance, names in forms.items():
        assert catalog.substance(substance) is not None, substance
        for name in names:
            form = catalog.form(name, "t")
            assert form.substance == substance and form.molecular_weight is not None, name
    # what a pharmacist types resolves to the shelf form
    assert catalog.form("dextromethorphan HBr", "t").name == "dextromethorphan hydrobromide monohydrate"
    assert catalog.form("Pluronic F127", "t").name == "poloxamer 407"


def test_salt_factors_of_the_new_forms(catalog):
    def factor(salt: str, parent: str) -> float:
        return (catalog.form(parent, "t").molecular_weight.value / catalog.form(salt, "t").molecular_weight.value).magnitude

    # tramadol HCl: 263.38 / 299.84 = 0.8784; orphenadrine citrate: 269.38 / 461.51 = 0.5837
    assert factor("tramadol hydrochloride", "tramadol") == pytest.approx(263.38 / 299.84, rel=1e-4)
    assert factor("orphenadrine citrate", "orphenadrine") == pytest.approx(269.38 / 461.51, rel=1e-4)
    # dextromethorphan HBr·H2O: 271.40 / 370.32 = 0.7329 (the water of hydration counts)
    assert factor("dextromethorphan hydrobromide monohydrate", "dextromethorphan") == pytest.approx(271.40 / 370.32, rel=1e-4)


def test_new_excipients_and_their_pharmacopoeial_densities(catalog):
    # density = specific gravity (25 °C/25 °C) × 0.99705 g/mL, rounded to the mg/mL
    expected = {"dimethyl sulfoxide": (1.095, 1.101), "isopropyl myristate": (0.846, 0.854), "ethanol": (0.8079, 0.8145)}
    for name, (low, high) in expected.items():
        density = catalog.form(name, "t").density
        assert density.low.to("g/mL").magnitude == pytest.approx(low * WATER_25C, abs=0.0006), name
        assert density.high.to("g/mL").magnitude == pytest.approx(high * WATER_25C, abs=0.0006), name
    peg = catalog.form("polyethylene glycol 400", "t")
    assert peg.density is None and peg.physical_form == "liquid"  # unknown stays unknown
    assert catalog.form("poloxamer 407", "t").is_solid


def test_versabase_is_on_file_with_unknowns_left_unknown(catalog):
    base = catalog.base("VersaBase")
    assert base.name == "VersaBase Cream" and base.maker == "Medisca"
    assert base.contains_water is None and base.preserved is None and base.density is None and base.max_powder_load is None


# Hosts that are aggregators, AI-written answer pages, consumer or drug-reference summaries, or unofficial copies of a
# pharmacopoeia, rule or paper: a value cites the label, monograph, rule or paper itself (a copy read may be named in a comment).
BANNED_HOSTS = (
    "smolecule", "drugsynthesis.blogspot", "trabalhosfeitos", "molbase", "wikidoc", "docslib", "trungtamthuoc", "droracle",
    "inpharmd.com", "globalrph.com", "empr.com", "rxreasoner.com", "medthority.com", "mayoclinic.org", "safemedication.com",
    "wixsite.com", "studylib.net", "flipbuilder.com", "constantcontact.com", "medlibrary.org", "drugs.com",
    "federal.elaws.us", "fdahelp.us", "newdruginfo.com", "drugfuture.com", "pharmacopeia.cn", "uspbpep.com", "drugcentral.org",
    "drugs-library.com", "scribd.com",
)


def test_no_value_rests_on_an_aggregator_or_an_ai_written_page():
    source = tomllib.loads((DATA / "ingredients.toml").read_text(encoding="utf-8"))
    for source_id, entry in source["sources"].items():
        host = urlparse(entry.get("url") or "").netloc.lower()
        assert not any(host == b or host.endswith("." + b) or b in host for b in BANNED_HOSTS), (source_id, host)
        assert "AI-written" not in entry["title"], source_id


def test_the_banned_hosts_are_caught_as_a_host_and_as_a_subdomain():
    def banned(url: str) -> bool:
        host = urlparse(url).netloc.lower()
        return any(host == b or host.endswith("." + b) or b in host for b in BANNED_HOSTS)

    assert banned("https://inpharmd.com/inquiries/x") and banned("https://www.drugs.com/pro/x.html")
    assert banned("http://ftp.uspbpep.com/v29240/x.html") and banned("https://smilstead5.wixsite.com/website-5/post/x")
    assert not banned("https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=x") and not banned("https://doi.org/10.1111/jgs.18372")


def test_a_pharmacopoeia_copy_is_named_only_as_a_copy_consulted():
    # unofficial USP copies were read, but the value cites the monograph by name and edition
    source = tomllib.loads((DATA / "ingredients.toml").read_text(encoding="utf-8"))
    usp = {k: v for k, v in source["sources"].items() if re.match(r"usp(\d|-)", k) and v["kind"] != "computed"}
    assert usp and all(v["title"].startswith("USP ") and "url" not in v for k, v in usp.items() if "795" not in k)
    assert all(v["kind"] == "primary" for k, v in usp.items() if "795" not in k)
    assert source["sources"]["usp795-2023-table4-secondary"]["kind"] == "secondary"  # chapter text not read


def test_every_strength_limit_rests_on_a_primary_source(catalog):
    for substance in catalog.substances:
        limits = [substance.typical_strength, substance.max_strength, substance.daily_max, substance.daily_max_per_kg]
        for limit in filter(None, limits):
            assert limit.source is not None and limit.source.kind == "primary", substance.name


def test_a_schedule_that_is_not_a_dea_schedule_stops_the_build(tmp_path):
    text = (DATA / "ingredients.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('controlled_schedule = { value = "CIV"', 'controlled_schedule = { value = "C4"'), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="tramadol.controlled_schedule"):
        build(bad, tmp_path / "bad.sqlite")


def test_purified_water_density_is_the_kell_value_at_25_c(catalog):
    t = 25.0  # °C; Kell (1975) as given by Jones & Harris, J Res NIST 1992, kg/m³
    kell = (
        999.83952 + 16.945176 * t - 7.9870401e-3 * t**2 - 46.170461e-6 * t**3 + 105.56302e-9 * t**4 - 280.54253e-12 * t**5
    ) / (1 + 16.879850e-3 * t)  # = 997.045 kg/m³
    density = catalog.form("purified water", "t").density.value.to("g/mL").magnitude
    assert density == pytest.approx(kell / 1000, abs=2e-5) and density == pytest.approx(WATER_25C)


def test_doxepin_follows_its_only_labelled_topical_product(catalog):
    # Zonalon: 50 mg doxepin HCl is 44.3 mg doxepin; 50 × 279.38 / 315.84 = 44.23 mg (label rounds MW to 316)
    hcl, base = catalog.form("doxepin hydrochloride", "t"), catalog.form("doxepin", "t")
    assert (50 * base.molecular_weight.value / hcl.molecular_weight.value).magnitude == pytest.approx(44.3, abs=0.1)
    assert any("drowsiness" in c.text and c.source.id == "zonalon-cream-label" for c in catalog.substance("doxepin").cautions)
    (rule,) = [r for r in catalog.screening_rules if r.code == "DOXEPIN_LONG_SUPPLY"]
    assert rule.supply_days_over == 8 and rule.severity == "warning"


def test_the_engine_refuses_what_the_monograph_maxima_rule_out(catalog):
    from compounder.calc import assess
    from tests.calc.formulas import active, formula
    from tests.conftest import TODAY

    def codes(*lines):
        return {(f.severity.value, f.code) for f in assess(formula(*lines), catalog, TODAY).plan.findings}

    # menthol 40 % > 16 %, capsaicin 8 % > 0.25 %, camphor 12 % > 11 %: errors, not warnings
    for name, strength in (("menthol", "40 %"), ("capsaicin", "8 %"), ("camphor", "12 %"), ("benzocaine", "25 %")):
        assert ("error", "STRENGTH_ABOVE_MAXIMUM") in codes(active(name, strength)), name
    # inside the counterirritant ranges: camphor 4 % (3-11 %), menthol 10 % (1.25-16 %), no strength finding
    found = codes(active("camphor", "4 %"), active("menthol", "10 %"))
    assert not any(code.startswith("STRENGTH") for _, code in found)
    # cyclobenzaprine HCl 1 % is inside its range written as the hydrochloride, 1-2 %
    assert not any(code.startswith("STRENGTH") for _, code in codes(active("cyclobenzaprine hydrochloride", "1 %")))
