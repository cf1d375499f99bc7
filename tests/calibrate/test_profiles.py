"""Each supported CRM layout reads its own quirks: localised dates, empty cells, extra columns."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.export import ExportError, channel_slug, hash_value, read_export
from sim.calibrate.profiles import GENERIC_COLUMNS, HUBSPOT, SALESFORCE, load_mapping

EXPORTS = Path(__file__).parent.parent / "fixtures" / "exports"
PERSONAL = ("Anna", "Schmidt", "example.com", "Petra", "Vogel", "demo", "Müller", "00Q5g", "Rückruf")


def _no_personal_data(frame: pd.DataFrame) -> None:
    text = frame.to_csv()
    for word in PERSONAL:
        assert word not in text, word


def test_hubspot_contacts_export() -> None:
    export = read_export(EXPORTS / "hubspot_contacts.csv", HUBSPOT, timezone="Europe/Berlin", salt="s")
    leads = export.leads
    assert len(leads) == 10
    assert set(leads.columns) <= {*GENERIC_COLUMNS, "lost_reason_given"}
    # ISO dates without seconds, read as Berlin time
    assert leads.loc[0, "created_at"] == pd.Timestamp("2026-03-02 09:15", tz="Europe/Berlin")
    assert list(leads["channel"]) == [
        "web_inquiry", "trade_fair", "web_inquiry", "paid_social", "referral",
        "web_inquiry", "paid_social", "trade_fair", "web_inquiry", "referral",
    ]
    assert leads["won_at"].notna().sum() == 3
    assert leads.loc[4, "amount"] == 48000  # a quoted number
    assert math.isnan(leads.loc[3, "contact_attempts"])  # an empty cell stays empty
    assert leads.loc[0, "lead_id"] == hash_value("101", "s")
    assert leads["owner"].nunique() == 2
    _no_personal_data(leads)


def test_salesforce_lead_report_with_us_dates_and_opportunity_stage() -> None:
    export = read_export(EXPORTS / "salesforce_leads.csv", SALESFORCE, timezone="America/New_York")
    leads = export.leads
    assert export.date_formats["created_at"] == "MM/DD/YYYY"
    assert leads.loc[1, "created_at"] == pd.Timestamp("2026-03-02 14:05", tz="America/New_York")
    # "Closed Won" with a close date -> won_at; "Closed Lost" -> lost_at; "Prospecting" -> open
    assert leads["won_at"].notna().sum() == 3
    assert leads["lost_at"].notna().sum() == 1
    assert leads.loc[6, ["won_at", "lost_at"]].isna().all()
    assert leads.loc[0, "amount"] == 12500.0  # "$12,500.00"
    assert leads.loc[3, "channel"] == "purchased_list"
    assert leads.loc[5, "channel"] == "webinar"
    _no_personal_data(leads)


def test_user_mapping_file_for_a_german_excel_list() -> None:
    mapping = load_mapping(EXPORTS / "german_mapping.yaml")
    export = read_export(EXPORTS / "german_excel.csv", mapping, timezone="Europe/Berlin", encoding="cp1252")
    leads = export.leads
    assert export.date_formats["created_at"] == "DD.MM.YYYY"
    assert leads.loc[0, "amount"] == pytest.approx(12500.50)  # "12.500,50 €"
    assert leads.loc[1, "lost_reason_given"]  # free text reduced to "a reason was given"
    assert "zu teuer" not in leads.to_csv()
    assert list(leads["channel"][:4]) == ["web_inquiry", "trade_fair", "web_inquiry", "empfehlung"]
    _no_personal_data(leads)


def test_date_format_option_overrides_the_guess(tmp_path: Path) -> None:
    # 03/04/2026 is the 3rd of April for this (British) export, not March 4th.
    export = tmp_path / "uk.csv"
    export.write_text(
        "lead_id,created_at,channel,first_contact_at,won_at\n1,03/04/2026 10:00,web,03/04/2026 11:00,\n",
        encoding="utf-8",
    )
    from sim.calibrate.profiles import GENERIC

    guessed = read_export(export, GENERIC).leads.loc[0, "created_at"]
    forced = read_export(export, GENERIC, date_format="%d/%m/%Y %H:%M").leads.loc[0, "created_at"]
    assert (guessed.month, forced.month) == (3, 4)


def test_offsets_in_iso_dates_are_converted_to_the_time_zone(tmp_path: Path) -> None:
    export = tmp_path / "utc.csv"
    export.write_text(
        "lead_id,created_at,channel,first_contact_at,won_at\n"
        "1,2026-07-01T08:00:00Z,web,2026-07-01T10:00:00+02:00,\n",
        encoding="utf-8",
    )
    from sim.calibrate.profiles import GENERIC

    leads = read_export(export, GENERIC, timezone="Europe/Berlin").leads
    assert leads.loc[0, "created_at"].hour == 10
    assert leads.loc[0, "first_contact_at"] == leads.loc[0, "created_at"]


def test_missing_hubspot_column_names_the_export_column(tmp_path: Path) -> None:
    text = (EXPORTS / "hubspot_contacts.csv").read_text(encoding="utf-8").replace("Original Source,", "Source,", 1)
    export = tmp_path / "hubspot.csv"
    export.write_text(text, encoding="utf-8")
    with pytest.raises(ExportError, match="channel \\(column 'Original Source'\\)"):
        read_export(export, HUBSPOT)


@pytest.mark.parametrize(
    ("label", "slug"),
    [("Trade Show", "trade_show"), ("  Paid  Social ", "paid_social"), ("2026 Fair", "c_2026_fair"), ("", "unknown")],
)
def test_channel_slugs_are_valid_scenario_names(label: str, slug: str) -> None:
    assert channel_slug(label) == slug


@pytest.mark.parametrize(
    ("export", "options"),
    [
        ("hubspot_contacts.csv", ["--profile", "hubspot"]),
        ("salesforce_leads.csv", ["--profile", "salesforce", "--timezone", "America/New_York"]),
        ("german_excel.csv", ["--mapping", str(EXPORTS / "german_mapping.yaml"), "--encoding", "cp1252"]),
    ],
)
def test_each_layout_calibrates_into_a_valid_profile_next_to_its_base(
    tmp_path: Path, export: str, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.bundled import scenarios_dir
    from sim.cli.main import main
    from sim.scenario.loader import load_scenario

    base = tmp_path / "client_base.yaml"
    base.write_text((scenarios_dir() / "base.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "client"
    with pytest.raises(SystemExit) as stopped:
        main(["calibrate", str(EXPORTS / export), "--out", str(out), "--extends", str(base), "--no-fit",
              "--check-replications", "2", "--fit-days", "30", *options])
    assert stopped.value.code in (0, None), capsys.readouterr().err
    text = (out / "scenario.yaml").read_text(encoding="utf-8")
    assert 'extends: "../client_base.yaml"' in text
    scenario = load_scenario(out / "scenario.yaml")
    assert scenario.channel("web_inquiry").leads_per_week > 0
    for word in PERSONAL:
        assert all(word not in path.read_text(encoding="utf-8") for path in out.iterdir()), word
