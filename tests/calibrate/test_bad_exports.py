"""Every kind of bad export ends in exit 2, a message naming column and lines, and no output folder."""

from __future__ import annotations

from pathlib import Path

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
