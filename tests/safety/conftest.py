"""Fixtures of the safety tests: a scratch working folder and the real CLI entry point in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from safety_helpers import SMALL_YAML, Outcome

from sim.cli.main import main


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder as the current directory, holding small.yaml."""
    (tmp_path / "small.yaml").write_text(SMALL_YAML)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """Run ``leadsim ARGS`` in this process through the real entry point; return code and output."""

    def run(*args: str) -> Outcome:
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run
