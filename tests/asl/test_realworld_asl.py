"""Definitions from AWS's own samples, all deployed on AWS, pass our validator.

One sample is itself invalid (it sets QueryLanguage inside States, where it is
read as a state) and must be refused, at that place.
"""
from __future__ import annotations

import pytest

from executor.asl import validate_definition

from .realworld_defs import REALWORLD_DIR, definition_files, load_definition

INVALID = "shared-fallback-state-jsonata__statemachine__statemachine.asl.json"

FILES = definition_files()

pytestmark = pytest.mark.skipif(REALWORLD_DIR is None, reason="shared/realworld-asl is not in this checkout")


@pytest.mark.parametrize("path", FILES or [None], ids=[p.name for p in FILES] or ["absent"])
def test_a_definition_that_deploys_on_aws_passes_validation(path):
    problems = validate_definition(load_definition(path))
    if path.name == INVALID:
        assert problems[0].path == "/States/QueryLanguage"
        assert "'QueryLanguage' is not a state" in problems[0].message
        assert "top level" in problems[0].message
    else:
        assert problems == []


def test_every_file_of_the_collection_is_checked():
    assert len(FILES) == 177
    assert INVALID in {p.name for p in FILES}


def test_no_placeholder_survives_the_filling():
    for path in FILES:
        assert "${" not in repr(load_definition(path)), path.name
