"""`leadsim portfolio --target` takes finite numbers only: a number too large for a float is refused like inf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPORT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def refusal(run_leadsim, tmp_path: Path, target: str) -> str:
    """The message for ``--target TARGET``; the command must refuse before it makes its folder."""
    out = tmp_path / "portfolio"
    completed = run_leadsim(
        "portfolio", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
        "-r", "2", "--workers", "1", "--no-cache", "--target", target, "-o", str(out),
    )
    assert completed.returncode == 2, completed.stdout
    assert "Traceback" not in completed.stderr
    assert not out.exists()
    return " ".join(completed.stderr.split())


@pytest.mark.parametrize("target", [">=" + "9" * 5000, "net_benefit>=1e400", "<=-" + "1" * 400])
def test_a_number_too_large_for_a_float_is_refused_like_infinity(run_leadsim, tmp_path: Path, target: str) -> None:
    infinite = refusal(run_leadsim, tmp_path, ">=inf")
    huge = refusal(run_leadsim, tmp_path, target)
    assert "finite number" in infinite and "net_benefit>=250000" in infinite
    quoted = re.compile(r"--target '[^']*'")
    assert quoted.sub("--target …", huge) == quoted.sub("--target …", infinite)
    assert len(huge) < 400  # the 5,000 digits are not echoed back
