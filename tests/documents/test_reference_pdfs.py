"""The reference-PDF check itself: COMPOUNDER_UPDATE_REFERENCE=1 rewrites a reference that differs
but never lets that test pass, so a run that accepted new references is never mistaken for a green one."""

from __future__ import annotations

import pytest

from tests.documents import helpers


@pytest.fixture
def reference(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "REFERENCE", tmp_path)
    return tmp_path


def test_a_rewritten_reference_fails_the_run_that_rewrote_it(reference, monkeypatch):
    monkeypatch.setattr(helpers, "UPDATE", True)
    (reference / "sheet.pdf").write_bytes(b"%PDF old")
    with pytest.raises(AssertionError, match="REWRITTEN"):
        helpers.assert_matches_reference(b"%PDF new", "sheet.pdf")
    assert (reference / "sheet.pdf").read_bytes() == b"%PDF new"


def test_an_equal_reference_passes_with_or_without_the_update_variable(reference, monkeypatch):
    (reference / "sheet.pdf").write_bytes(b"%PDF same")
    for update in (False, True):
        monkeypatch.setattr(helpers, "UPDATE", update)
        helpers.assert_matches_reference(b"%PDF same", "sheet.pdf")


def test_a_missing_reference_is_written_and_fails(reference, monkeypatch):
    for update in (False, True):
        monkeypatch.setattr(helpers, "UPDATE", update)
        with pytest.raises(AssertionError, match="did not exist"):
            helpers.assert_matches_reference(b"%PDF first", f"new-{update}.pdf")
        assert (reference / f"new-{update}.pdf").read_bytes() == b"%PDF first"
