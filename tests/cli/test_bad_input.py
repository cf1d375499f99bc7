"""Bad input of every kind ends in exit code 2 and one clean message naming file, line and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

MINIMAL = "channels:\n  - name: web_inquiry\n    leads_per_week: 10\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_clean_failure(result, *needles: str) -> str:
    """Exit 2, no traceback, and every needle in the error output; returns stderr."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    for needle in needles:
        assert needle in result.stderr, f"{needle!r} not in {result.stderr!r}"
    return result.stderr


# (file text, expected "file:line" prefix, key, extra words in the message)
BAD_FILES = {
    "syntax_error": (
        "channels:\n  - name: web_inquiry\n    leads_per_week: [10\n",
        "bad.yaml:4:1:",
        "YAML syntax error",
        "flow sequence",
    ),
    "wrong_type": (
        MINIMAL + "sales:\n  reps: many\n",
        "bad.yaml:5:3:",
        "sales.reps:",
        "must be an integer between 1 and 1000 (got 'many')",
    ),
    "negative_rate": (
        "channels:\n  - name: web_inquiry\n    leads_per_week: -3\n",
        "bad.yaml:3:5:",
        "channels.web_inquiry.leads_per_week:",
        "must be a number between 0 and 100000 (got -3)",
    ),
    "probability_above_one": (
        MINIMAL + "conversion:\n  reach_probability: 1.5  # too optimistic\n",
        "bad.yaml:5:3:",
        "conversion.reach_probability:",
        "between 0 and 1 (got 1.5)",
    ),
    "unknown_key": (
        MINIMAL + "sales:\n  repz: 3\n",
        "bad.yaml:5:3:",
        "sales.repz:",
        "unknown key 'repz' – did you mean 'reps'?",
    ),
    "unknown_choice": (
        MINIMAL + "handoff:\n  mode: email\n",
        "bad.yaml:5:3:",
        "handoff.mode:",
        "allowed: batch, realtime",
    ),
    "top_level_list": ("- channels\n- sales\n", "bad.yaml:1:1:", "top level", "mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_reported_with_file_line_and_key(case, tmp_path, run_leadsim):
    text, where, key, words = BAD_FILES[case]
    write(tmp_path, "bad.yaml", text)
    result = run_leadsim("validate", "bad.yaml", cwd=tmp_path)
    assert_clean_failure(result, where, key, words)


def test_several_problems_are_all_reported(tmp_path, run_leadsim):
    write(
        tmp_path,
        "bad.yaml",
        "channels:\n  - name: web_inquiry\n    leads_per_week: -1\nsales:\n  reps: 0\n",
    )
    stderr = assert_clean_failure(run_leadsim("validate", "bad.yaml", cwd=tmp_path))
    lines = stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("bad.yaml:3:5: channels.web_inquiry.leads_per_week:")
    assert lines[1].startswith("bad.yaml:5:3: sales.reps:")


def test_missing_file_names_it_and_the_current_directory(tmp_path, run_leadsim):
    result = run_leadsim("validate", "nowhere.yaml", cwd=tmp_path)
    assert_clean_failure(result, "nowhere.yaml", "not found", str(tmp_path))


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_file(text, tmp_path, run_leadsim):
    write(tmp_path, "empty.yaml", text)
    result = run_leadsim("validate", "empty.yaml", cwd=tmp_path)
    assert_clean_failure(result, "empty.yaml", "empty")


def test_extends_cycle_names_the_chain(tmp_path, run_leadsim):
    write(tmp_path, "a.yaml", "extends: b.yaml\n" + MINIMAL)
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    result = run_leadsim("validate", "a.yaml", cwd=tmp_path)
    assert_clean_failure(result, "cycle", "a.yaml -> b.yaml -> a.yaml")


def test_missing_parent_names_the_line_and_chain(tmp_path, run_leadsim):
    write(tmp_path, "child.yaml", "# overlay\nextends: [gone.yaml]\n")
    result = run_leadsim("validate", "child.yaml", cwd=tmp_path)
    assert_clean_failure(result, "child.yaml:2:1:", "extends", "gone.yaml", "not found")


def test_python_tag_is_rejected_and_never_executed(tmp_path, run_leadsim):
    marker = tmp_path / "pwned"
    write(
        tmp_path,
        "evil.yaml",
        "channels:\n  - name: web_inquiry\n"
        f"    leads_per_week: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    result = run_leadsim("validate", "evil.yaml", cwd=tmp_path)
    assert_clean_failure(result, "evil.yaml:3:21:", "!!python/object/apply:os.system")
    assert not marker.exists()


def test_custom_tag_is_rejected(tmp_path, run_leadsim):
    write(tmp_path, "tagged.yaml", MINIMAL + "sales:\n  reps: !env REPS\n")
    result = run_leadsim("validate", "tagged.yaml", cwd=tmp_path)
    assert_clean_failure(result, "tagged.yaml:5:9:", "'!env'")


@pytest.mark.parametrize(
    ("setting", "needles"),
    [
        ("sales.repz=3", ["--set sales.repz=3", "sales.repz", "did you mean 'reps'?"]),
        ("salse.reps=3", ["--set salse.reps=3", "did you mean 'sales'?"]),
        (
            "channels.web_inquiri.leads_per_week=3",
            ["no channel named 'web_inquiri'", "did you mean 'web_inquiry'?"],
        ),
        ("sales.reps.x=1", ["--set sales.reps.x=1", "single value"]),
        ("sales.reps", ["--set sales.reps", "path.to.key=value"]),
    ],
)
def test_bad_set_path(setting, needles, tmp_path, run_leadsim):
    write(tmp_path, "ok.yaml", MINIMAL)
    result = run_leadsim("validate", "ok.yaml", "--set", setting, cwd=tmp_path)
    assert_clean_failure(result, *needles)


@pytest.mark.parametrize(
    ("setting", "needles"),
    [
        ("sales.reps=-3", ["--set sales.reps=-3: sales.reps: must be an integer between 1 and 1000 (got -3)"]),
        ("sales.reps=lots", ["--set sales.reps=lots: sales.reps:", "(got 'lots')"]),
        (
            "conversion.win_probability=2",
            ["--set conversion.win_probability=2: conversion.win_probability:", "(got 2)"],
        ),
        ("sales.queue=[fifo", ["--set sales.queue=[fifo", "not valid YAML"]),
    ],
)
def test_bad_set_value(setting, needles, tmp_path, run_leadsim):
    write(tmp_path, "ok.yaml", MINIMAL)
    result = run_leadsim("validate", "ok.yaml", "--set", setting, cwd=tmp_path)
    assert_clean_failure(result, *needles)


def test_error_in_parent_names_the_parent_file(tmp_path, run_leadsim):
    write(tmp_path, "parent.yaml", MINIMAL + "sales:\n  reps: -2  # typo\n")
    write(tmp_path, "child.yaml", "extends: parent.yaml\nhandoff:\n  mode: batch\n")
    result = run_leadsim("validate", "child.yaml", cwd=tmp_path)
    assert_clean_failure(result, "parent.yaml:5:3: sales.reps:")


def test_validate_reports_each_file_and_fails_if_any_fails(tmp_path, run_leadsim):
    write(tmp_path, "good.yaml", MINIMAL)
    write(tmp_path, "bad.yaml", MINIMAL + "sales:\n  reps: 0\n")
    result = run_leadsim("validate", "good.yaml", "bad.yaml", cwd=tmp_path)
    assert_clean_failure(result, "bad.yaml:5:3: sales.reps:")
    assert "OK good.yaml" in result.stdout


def test_valid_file_exits_zero(fixtures_dir, run_leadsim):
    result = run_leadsim("validate", str(fixtures_dir / "minimal.yaml"))
    assert result.returncode == 0, result.stderr
    assert re.match(r"OK .*minimal\.yaml", result.stdout)


def test_usage_error_exits_two(run_leadsim):
    result = run_leadsim("validate")
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr


def test_explain_of_bad_file_fails_cleanly(tmp_path, run_leadsim):
    write(tmp_path, "bad.yaml", MINIMAL + "sales:\n  reps: 0\n")
    result = run_leadsim("explain", "bad.yaml", cwd=tmp_path)
    assert_clean_failure(result, "bad.yaml:5:3: sales.reps:")


def test_debug_shows_traceback(tmp_path, run_leadsim):
    result = run_leadsim("--debug", "validate", "missing.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" in result.stderr
