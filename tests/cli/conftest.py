"""Fixtures of the command line's tests."""

from __future__ import annotations

import json

import pytest

from compounder.settings import settings_path
from tests.documents.helpers import PHARMACY


@pytest.fixture
def settings_file(tmp_path):
    path = settings_path()  # inside tmp_path: the autouse fixture points COMPOUNDER_SETTINGS_DIR there
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(PHARMACY), encoding="utf-8")
    return path
