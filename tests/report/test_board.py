"""The front page for a board: three sentences, key figures, ROI once, uncertainty, the "why"s."""

from __future__ import annotations

import html
import re
import shutil

import pandas as pd
import pytest
from report_helpers import FIXTURES

from sim import kpis, money, report, stats
from sim.report import board


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> report.Comparison:
    """The weekly list against the same company with two lever overlays (shared goals: no lead
    is ignored any more, so more leads reach sales – and some outcomes move the other way)."""
    folder = tmp_path_factory.mktemp("board")
    shutil.copy(FIXTURES / "weekly_list.yaml", folder / "weekly_list.yaml")
    (folder / "levers").mkdir()
    (folder / "levers" / "tasks.yaml").write_text(
        "title: Instant CRM tasks\nhandoff: {mode: realtime}\n"
        "costs:\n  org_costs_per_year: {tasks: 20000}\n  org_costs_one_off: {tasks: 50000}\n",
        encoding="utf-8",
    )
    (folder / "levers" / "goals.yaml").write_text(
        "title: Shared goals\nhandoff: {ignore_share: 0.0}\n", encoding="utf-8"
    )
    (folder / "team.yaml").write_text(
        "extends: [weekly_list.yaml, levers/tasks.yaml, levers/goals.yaml]\nname: team\n"
        "title: One team\n",
        encoding="utf-8",
    )
    return report.run_comparison(
        [folder / "weekly_list.yaml", folder / "team.yaml"], replications=4, seed=11, workers=1
    )


def _plain(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def test_three_sentences_say_what_changes_what_it_is_worth_and_when_it_pays(comparison):
    item = board.comparison_money(comparison)[0]
    words = money.money_texts(item)
    first, worth, pays = (html.unescape(s) for s in board.three_sentences(comparison, item))
    assert first == "One team changes 2 things against weekly_list: Instant CRM tasks, Shared goals."
    assert words["net_benefit_per_year"] in worth and "per year" in worth
    assert "95 % CI" in worth  # the range
    assert words["one_off_cost_difference"] == "+€50,000"
    assert words["one_off_cost_difference"] in pays and words["payback_months"] in pays


def test_the_front_page_defines_roi_once_and_states_the_uncertainty(comparison):
    page = _plain(board.front_page_html(comparison))
    assert page.count("ROI, as used in this report") == 1
    assert kpis.get("roi").description.en in page
    assert "simulation noise only" in page and "4 paired replications" in page
    assert "Robustness" not in page  # no robustness section in this report: no link
    linked = board.front_page_html(comparison, robustness_anchor="robustness")
    assert '<a href="#robustness">Robustness</a>' in linked
    ranged = _plain(board.front_page_html(comparison, assumption_ranges={"One team": (-12_000.0, 345_000.0)}))
    assert "net benefit per year of One team lies between −€12,000 and +€345,000" in ranged
    figures = board.key_figures_table(comparison, "One team")
    assert list(figures.iloc[:, 0]) == [kpis.label(k) for k in board.KEY_FIGURES]
    net = report.kpi_row(comparison, "net_contribution_per_year", "One team")
    assert kpis.format_kpi("net_contribution_per_year", net["mean"], compact=True) in page


def test_why_notes_explain_counter_intuitive_changes_from_the_mechanisms_counts(comparison):
    counts = board.mechanism_counts(comparison.result.leads)
    pairs = {}
    for name in ("lost_competitor", "qualified_any", "contacted", "wasted_sales_hours"):
        by = counts.pivot(index="replication", columns="scenario", values=name)
        pairs[name] = stats.paired_difference(by["One team"], by["weekly_list"])
    notes = board.why_notes(comparison, "One team")
    lost, qualified = pairs["lost_competitor"], pairs["qualified_any"]
    bought_elsewhere = [note for note in notes if "bought elsewhere" in note]
    if lost[1] > 0:  # clearly more leads bought elsewhere: explained by the sales cycles reached
        assert len(bought_elsewhere) == 1
        expected = kpis.format_number(lost[0], "count")
        assert bought_elsewhere[0].startswith(f"{expected} more leads bought elsewhere")
        if qualified[1] > 0:
            assert kpis.format_number(qualified[0], "count") + " more leads reach a sales cycle" in bought_elsewhere[0]
    else:
        assert bought_elsewhere == []
    wasted = [note for note in notes if "sales hours on leads that never qualify" in note]
    assert len(wasted) == (1 if pairs["wasted_sales_hours"][1] > 0 else 0)
    assert notes, "the fixture is chosen so that at least one outcome moves the other way"


def test_no_why_without_a_clear_change():
    leads = pd.DataFrame({
        "scenario": ["a"] * 4 + ["b"] * 4,
        "replication": [0, 0, 1, 1] * 2,
        "created_at": [0.0] * 8,
        "sales_ready_at": [1.0, None, 1.0, None] * 2,
        "handoff_at": [1.0, None, 1.0, None] * 2,
        "first_contact_at": [2.0, None, 2.0, None] * 2,
        "reached": [True, False, True, False] * 2,
        "qualified": [True, False, True, False] * 2,
        "qualified_later": [False] * 8,
        "outcome": ["won", "lost_competitor", "lost_competitor", "ignored"] * 2,
        "wasted_sales_hours": [0.0, 0.0, 1.0, 0.0] * 2,
    })
    counts = board.mechanism_counts(leads)
    changes = board._changes(counts, "b", "a")
    assert all(not change.up and not change.down for change in changes.values())
    assert [rule(changes, "en") for rule in board.WHY_RULES] == [None] * len(board.WHY_RULES)


def test_a_slower_response_from_the_inquiry_is_explained_by_the_wait_in_nurturing():
    rows = []
    for replication, extra in enumerate((100.0, 120.0, 110.0)):
        for scenario, wait in (("a", 0.0), ("b", extra)):
            for lead in range(3):
                created = 10.0 * lead
                ready = created + wait + lead
                rows.append({
                    "scenario": scenario, "replication": replication, "created_at": created,
                    "sales_ready_at": ready, "handoff_at": ready, "first_contact_at": ready + 2.0,
                    "reached": True, "qualified": True, "qualified_later": False,
                    "outcome": "won", "wasted_sales_hours": 0.0,
                })
    counts = board.mechanism_counts(pd.DataFrame(rows))
    changes = board._changes(counts, "b", "a")
    assert changes["median_hours_to_sales_ready"].difference == pytest.approx(110.0)
    notes = [note for rule in board.WHY_RULES if (note := rule(changes, "en")) is not None]
    assert notes == [
        ("The median response from the inquiry is 110 h longer (calendar hours), because leads now "
         "stay in nurturing until they are sales-ready – 110 h longer at the median – and sales "
         "answers them from then on.")
    ]
