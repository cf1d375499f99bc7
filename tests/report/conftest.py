"""One real report, built once through the ``leadsim report`` command, shared by the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import FIXTURES, BuiltReport, report_app
from typer.testing import CliRunner


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    """The compare report of the weekly-list fixture vs. the one-team lever path (German)."""
    root = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(
        report_app(),
        [
            "report",
            str(FIXTURES / "weekly_list.yaml"),
            str(FIXTURES / "one_team.yaml"),
            "--replications",
            "2",
            "--seed",
            "3",
            "--out",
            str(root),
            "--workers",
            "1",
            "--no-cache",
            "--title",
            "Wochenliste vs. ein Team / ../../etc",
            "--language",
            "de",
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    html = Path(result.stdout.strip().splitlines()[-1])
    assert html.is_file()
    return BuiltReport(root=root, html=html, output=result.output)
