"""Every kind of bad export ends in exit 2, a message naming column and lines, and no output folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main

HEADER = "lead_id,created_at,channel,first_contact_at,won_at,amount,owner\n"
GOOD_ROWS = [
    "A1,2026-03-02 09:15,web_inquiry,2026-03-02 10:00,,,Petra\n",
    "A2,2026-03-02 10:15,webinar,2026-03-03 10:00,2026-05-01 12:00,15000,Jonas\n",
    "A3,2026-03-03 11:00,web_inquiry,,,,\n",
    "A4,2026-03-04 12:30,webinar,2026-03-04 13:00,,,Petra\n",
]


def calibrate(tmp_path: Path, export: Path, *options: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    """Run ``leadsim calibrate`` in-process; return exit code, stderr and the --out folder."""
    out = tmp_path / "calibrated"
    with pytest.raises(SystemExit) as stopped:
        main(["calibrate", str(export), "--out", str(out), "--no-fit", "--check-replications", "2", *options])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return int(stopped.value.code or 0), captured.err, out


def export_file(tmp_path: Path, text: str | bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


BAD = {
    "missing column": (
        HEADER.replace("first_contact_at,", "") + "".join(
            row.replace(",2026-03-02 10:00,", ",").replace(",2026-03-03 10:00,", ",")
            .replace(",2026-03-04 13:00,", ",").replace(",,,,", ",,,") for row in GOOD_ROWS
        ),
        ["first_contact_at", "missing required column"],
    ),
    "unparseable dates": (
        HEADER + GOOD_ROWS[0] + "A2,yesterday,webinar,,,,\n" + GOOD_ROWS[2] + "A4,2026-13-45 99:00,webinar,,,,\n",
        ["'created_at'", "line(s) 3, 5", "cannot be read", "--date-format"],
    ),
    "contact before creation": (
        HEADER + GOOD_ROWS[0] + GOOD_ROWS[1] + "A3,2026-03-03 11:00,web_inquiry,2026-03-02 09:00,,,\n",
        ["'first_contact_at'", "line(s) 4", "negative duration"],
    ),
    "duplicated ids": (
        HEADER + GOOD_ROWS[0] + GOOD_ROWS[1] + GOOD_ROWS[0] + GOOD_ROWS[3],
        ["'lead_id'", "line(s) 2, 4", "share a lead id"],
    ),
    "empty file": ("", ["is empty"]),
    "header only": (HEADER, ["no lead rows"]),
    "not csv": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)), ["not a CSV", "binary"]),
    "ragged rows": (
        HEADER + GOOD_ROWS[0] + 'A2,"2026-03-02 10:15,webinar,,,,\n' + GOOD_ROWS[2],
        ["not a well-formed CSV"],
    ),
    "not utf-8": (
        (HEADER + GOOD_ROWS[0] + "A2,2026-03-02 10:15,Messe München,,,,\n").encode("cp1252"),
        ["line 3", "--encoding", "utf-8"],
    ),
    "negative amount": (
        HEADER + GOOD_ROWS[0] + "A2,2026-03-02 10:15,webinar,2026-03-03 10:00,2026-05-01 12:00,-5,Jonas\n",
        ["'amount'", "line(s) 3"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_export_exits_2_with_column_and_lines_and_writes_nothing(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text, needles = BAD[case]
    code, err, out = calibrate(tmp_path, export_file(tmp_path, text), capsys=capsys)
    assert code == 2, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert not out.exists()


def test_not_utf8_reads_with_encoding_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = HEADER + "".join(GOOD_ROWS).replace("webinar", "Messe München")
    export = export_file(tmp_path, text.encode("cp1252"))
    code, err, out = calibrate(tmp_path, export, "--encoding", "cp1252", capsys=capsys)
    assert code == 0, err
    assert "messe_m_nchen" in (out / "scenario.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (["--timezone", "Mars/Olympus"], "--timezone"),
        (["--profile", "pipedrive"], "--profile"),
        (["--encoding", "klingon"], "--encoding"),
        (["--date-format", "%d.%m.%Y"], "--date-format"),
        (["--fit-replications", "1"], "--fit-replications"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(
    tmp_path: Path, options: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    export = export_file(tmp_path, HEADER + "".join(GOOD_ROWS))
    code, err, out = calibrate(tmp_path, export, *options, capsys=capsys)
    assert code == 2, err
    assert needle in err
    assert not out.exists()


def test_bad_mapping_file_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  lead_id: Nr\n  created: Datum\n", encoding="utf-8")
    export = export_file(tmp_path, HEADER + "".join(GOOD_ROWS))
    code, err, out = calibrate(tmp_path, export, "--mapping", str(mapping), capsys=capsys)
    assert code == 2
    assert "columns" in err and "created" in err and "--mapping" in err
    assert not out.exists()


def test_an_occupied_out_folder_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "calibrated"
    out.mkdir()
    (out / "yesterday.txt").write_text("keep me", encoding="utf-8")
    export = export_file(tmp_path, HEADER + "".join(GOOD_ROWS))
    code, err, _ = calibrate(tmp_path, export, capsys=capsys)
    assert code == 2
    assert "already exists" in err
    assert sorted(path.name for path in out.iterdir()) == ["yesterday.txt"]


def test_previous_that_is_not_a_calibration_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = export_file(tmp_path, HEADER + "".join(GOOD_ROWS))
    code, err, out = calibrate(tmp_path, export, "--previous", str(tmp_path / "nowhere"), capsys=capsys)
    assert code == 2 and "--previous" in err
    assert not out.exists()


# ------------------------------------------------------------------ values beyond the scenario's limits


def _rows(count: int, channel: str = "web_inquiry", owner: str = "Petra", hours: float = 2.0) -> list[str]:
    """``count`` contacted leads created ``hours`` apart from 2026-01-05."""
    start = pd.Timestamp("2026-01-05 08:00")
    rows = []
    for index in range(count):
        created = start + pd.Timedelta(hours=hours * index)
        contact = created + pd.Timedelta(minutes=30)
        name = channel.format(index=index)
        rows.append(f"L{index},{created:%Y-%m-%d %H:%M},{name},{contact:%Y-%m-%d %H:%M},,,{owner.format(index=index)}\n")
    return rows


LIMITS = {
    "more fields than the header": (
        HEADER + GOOD_ROWS[0] + "A2,2026-03-02 10:15,webinar,2026-03-03 10:00,,,Jonas,extra,fields\n" + GOOD_ROWS[2],
        ["more fields than the header", "line(s) 3 (9 fields)", "7 columns"],
    ),
    "infinite and nan amounts": (
        HEADER + GOOD_ROWS[0]
        + "A2,2026-03-02 10:15,webinar,2026-03-03 10:00,2026-05-01 12:00,inf,Jonas\n"
        + "A3,2026-03-03 11:00,webinar,2026-03-03 12:00,2026-05-01 12:00,nan,Jonas\n"
        + "A4,2026-03-04 11:00,webinar,2026-03-04 12:00,2026-05-02 12:00," + "9" * 400 + ",Jonas\n",
        ["'amount'", "not a finite number", "line(s) 3, 4, 5", "'inf'", "10^12"],
    ),
    "amount beyond 10^12": (
        HEADER + GOOD_ROWS[0] + "A2,2026-03-02 10:15,webinar,2026-03-03 10:00,2026-05-01 12:00,5e15,Jonas\n",
        ["'amount'", "above", "line(s) 3", "'5e15'"],
    ),
    "a million contact attempts": (
        HEADER.replace("\n", ",contact_attempts\n")
        + "".join(row.replace("\n", ",3\n") for row in GOOD_ROWS[:2])
        + "A3,2026-03-03 11:00,web_inquiry,2026-03-03 12:00,,,Petra,1000000\n",
        ["'contact_attempts'", "above 100", "line(s) 4", "'1000000'", "sales.max_attempts is 1 to 100"],
    ),
    "400 channels": (
        HEADER + "".join(_rows(400, channel="source {index}")),
        ["'channel'", "400 different channels", "at most 100", "line(s) 102, 103, 104, 105, 106 and 295 more"],
    ),
    "channels of export and base beyond 100": (
        # 98 new channels plus the base's five make 103: the last three new ones are named.
        HEADER + "".join(_rows(98, channel="source {index}")),
        ["'channel'", "make 103", "at most 100", "'source_95'", "line(s) 97, 98, 99"],
    ),
    "more owners than reps allowed": (
        HEADER + "".join(_rows(1005, owner="Rep {index}")),
        ["'owner'", "1,005 different owners", "sales.reps", "1 to 1000", "line(s) 1002, 1003, 1004, 1005, 1006"],
    ),
    "all leads created within minutes": (
        HEADER + "".join(_rows(2000, hours=1 / 600)),
        ["'created_at'", "a week", "at most 100,000", "web_inquiry"],
    ),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_values_beyond_the_scenario_limits_name_column_lines_and_limit(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text, needles = LIMITS[case]
    export = export_file(tmp_path, text)
    code, err, out = calibrate(tmp_path, export, capsys=capsys)
    assert code == 2, err
    assert str(export) in err
    assert "scenario.yaml" not in err  # named by the export, not by a line of a generated file
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert not out.exists()


def test_limits_match_the_scenario_schema() -> None:
    from sim.calibrate.export import (
        MAX_AMOUNT,
        MAX_ATTEMPTS,
        MAX_CHANNELS,
        MAX_LEADS_PER_WEEK,
        MAX_OWNERS,
    )
    from sim.scenario.schema import Scenario

    def valid(**changes: object) -> bool:
        data = {"name": "limits", "channels": [{"name": "c", "leads_per_week": 1}], **changes}
        try:
            Scenario.model_validate(data)
        except ValueError:
            return False
        return True

    channel = {"name": "c", "leads_per_week": 1}
    many = [{**channel, "name": f"c{index}"} for index in range(MAX_CHANNELS + 1)]
    assert valid(channels=many[:MAX_CHANNELS]) and not valid(channels=many)
    assert valid(sales={"reps": MAX_OWNERS}) and not valid(sales={"reps": MAX_OWNERS + 1})
    assert valid(sales={"reps": 1, "max_attempts": MAX_ATTEMPTS}) and not valid(sales={"reps": 1, "max_attempts": MAX_ATTEMPTS + 1})
    assert valid(channels=[{**channel, "leads_per_week": MAX_LEADS_PER_WEEK}])
    assert not valid(channels=[{**channel, "leads_per_week": MAX_LEADS_PER_WEEK + 1}])
    deal = {"distribution": "fixed", "mean": MAX_AMOUNT}
    assert valid(conversion={"deal_value": deal})
    assert not valid(conversion={"deal_value": {**deal, "mean": MAX_AMOUNT * 10}})


@pytest.mark.parametrize(
    ("options", "needles"),
    [
        (["--date-format", "%Q%Q"], ["--date-format '%Q%Q'", "bad directive", "%d.%m.%Y"]),
        (["--date-format", "%Y %Y"], ["--date-format '%Y %Y'", "each once"]),
        (["--fit-evaluations", "1000"], ["--fit-evaluations", "3 to 100", "1000"]),
        (["--fit-days", "inf"], ["--fit-days", "<= 3650", "inf"]),
        (["--fit-days", "5000"], ["--fit-days", "<= 3650"]),
    ],
)
def test_bad_option_values_are_one_clean_message(
    tmp_path: Path, options: list[str], needles: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    export = export_file(tmp_path, HEADER + "".join(GOOD_ROWS))
    code, err, out = calibrate(tmp_path, export, *options, capsys=capsys)
    assert code == 2, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert "horizon.measurement_days" not in err  # the option is named, not the override it becomes
    assert not out.exists()
