"""The parser's quality, as the scoring script measures it against the reviewed
annotations (tests/data/plans): the floor the issue sets on the seed plan, and no
regression on the other layouts. The figures themselves are in the README."""

from __future__ import annotations

import pytest

from scripts.score_plan_parser import main


def test_the_seed_plan_meets_the_bar(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--fixture", "seed", "--min-recall", "0.95", "--min-precision", "0.95",
                   "--max-invented", "0"])
    assert status == 0, capsys.readouterr().out


def test_every_layout_holds_its_level(capsys: pytest.CaptureFixture[str]) -> None:
    # Below the measured figures (README), so a change that loses ground fails here.
    status = main(["--min-recall", "0.93", "--min-precision", "0.95", "--max-invented", "0"])
    assert status == 0, capsys.readouterr().out
