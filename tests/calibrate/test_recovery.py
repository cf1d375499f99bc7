"""Parameter recovery: a synthetic export with known truth is calibrated and the truth comes back.

The export is drawn by ``calibrate_synthetic`` (plain numpy, not leadsim's model). Tolerances are
three standard errors of each estimate at the export's sample size, so a correct estimator fails
about 3 times in 1000 and a biased one (wrong window, wrong time zone, wrong quantile) fails.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from calibrate_synthetic import Truth, generate, write_generic

from sim.calibrate.estimate import ExportEstimates, estimate, weekday_profile
from sim.calibrate.export import read_export
from sim.calibrate.profiles import GENERIC
from sim.cli.main import main

TRUTH = Truth()
# The end-to-end run simulates this export dozens of times: a quarter of a smaller company.
SMALL_TRUTH = Truth(weeks=13, leads_per_week={"web_inquiry": 25.0, "webinar": 12.0, "partner_event": 8.0})


def _cli(*args: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    assert stopped.value.code in (0, None)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, ExportEstimates]:
    folder = tmp_path_factory.mktemp("synthetic")
    frame = generate(TRUTH, seed=11)
    path = write_generic(frame, folder / "crm_export.csv")
    return frame, estimate(read_export(path, GENERIC, timezone="Europe/Berlin"))


def test_volumes_per_channel(synthetic: tuple[pd.DataFrame, ExportEstimates]) -> None:
    _, estimates = synthetic
    by_name = {channel.name: channel for channel in estimates.channels}
    assert set(by_name) == set(TRUTH.leads_per_week)
    for name, per_week in TRUTH.leads_per_week.items():
        sd = math.sqrt(per_week * TRUTH.weeks) / TRUTH.weeks  # Poisson count over the window
        assert abs(by_name[name].leads_per_week.value - per_week) <= 3 * sd, name
        assert by_name[name].leads_per_week.ci_low < per_week < by_name[name].leads_per_week.ci_high or (
            abs(by_name[name].leads_per_week.value - per_week) <= 3 * sd
        )


def test_median_and_p90_response(synthetic: tuple[pd.DataFrame, ExportEstimates]) -> None:
    _, estimates = synthetic
    median, p90 = estimates.response_median_hours, estimates.response_p90_hours
    assert median is not None and p90 is not None
    sigma, n = TRUTH.response_sigma, median.n
    # Standard errors of log quantiles of a lognormal: sqrt(q(1-q)/n) / phi(z_q) * sigma.
    se_median = math.sqrt(0.25 / n) / 0.39894 * sigma
    se_p90 = math.sqrt(0.09 / n) / 0.17550 * sigma
    assert abs(math.log(median.value / TRUTH.response_median_hours)) <= 3 * se_median
    assert abs(math.log(p90.value / TRUTH.response_p90_hours)) <= 3 * se_p90
    assert median.ci_low <= median.value <= median.ci_high


def test_contact_and_conversion_rates(synthetic: tuple[pd.DataFrame, ExportEstimates]) -> None:
    _, estimates = synthetic
    share = estimates.direct_contact_share
    assert abs(share.value - TRUTH.contacted_share) <= 3 * math.sqrt(TRUTH.contacted_share * (1 - TRUTH.contacted_share) / share.n)
    for channel in estimates.channels:
        truth = TRUTH.won_rate(channel.name)
        assert channel.won_rate is not None
        assert abs(channel.won_rate.value - truth) <= 3 * math.sqrt(truth * (1 - truth) / channel.leads), channel.name


def test_stage_mix_at_creation(synthetic: tuple[pd.DataFrame, ExportEstimates]) -> None:
    _, estimates = synthetic
    for channel in estimates.channels:
        assert channel.stage_mix is not None
        for stage, truth in zip(("ql", "mql", "sql"), (0.3, 0.4, 0.3), strict=True):
            assert abs(channel.stage_mix[stage].value - truth) <= 3 * math.sqrt(truth * (1 - truth) / channel.leads)


def test_cycle_and_deal_value(synthetic: tuple[pd.DataFrame, ExportEstimates]) -> None:
    _, estimates = synthetic
    assert estimates.cycle_days is not None and estimates.deal_value is not None
    # qualified_at is two days after the first contact; the cycle runs from there
    for (mean, cv), true_mean, true_cv in (
        (estimates.cycle_days, TRUTH.cycle_mean_days, TRUTH.cycle_cv),
        (estimates.deal_value, TRUTH.deal_mean, TRUTH.deal_cv),
    ):
        assert abs(mean.value - true_mean) <= 3 * true_cv * true_mean / math.sqrt(mean.n)
        assert abs(cv - true_cv) <= 0.25 * true_cv


def test_weekday_profile(synthetic: tuple[pd.DataFrame, ExportEstimates]) -> None:
    frame, estimates = synthetic
    created = frame["created_at"].dt.tz_localize("Europe/Berlin")
    found = np.array(weekday_profile(created, estimates.first_created, estimates.last_created))
    from calibrate_synthetic import WEEKDAY_WEIGHTS

    truth = WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.mean()
    counts = truth / truth.sum() * len(frame)
    assert np.all(np.abs(found - truth) <= 3 * truth / np.sqrt(counts) + 0.02)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("calibrated")
    export = write_generic(generate(SMALL_TRUTH, seed=5), folder / "acme_leads.csv")
    out = folder / "acme"
    _cli(
        "calibrate", str(export), "--out", str(out), "--timezone", "Europe/Berlin",
        "--fit-days", "60", "--fit-replications", "3", "--fit-evaluations", "12", "--check-replications", "4",
    )
    return out


def test_calibrated_folder_validates_runs_and_reproduces_the_funnel(calibrated: Path, tmp_path: Path) -> None:
    assert sorted(path.name for path in calibrated.iterdir()) == ["calibration.md", "fit.csv", "scenario.yaml"]
    scenario = calibrated / "scenario.yaml"
    _cli("validate", str(scenario))
    _cli("run", str(scenario), "-r", "1", "-w", "1", "--no-cache", "--set", "horizon.measurement_days=60",
         "--out", str(tmp_path / "run"))
    assert (tmp_path / "run" / "kpis.csv").exists()
    fit = pd.read_csv(calibrated / "fit.csv").set_index("target")
    # The fitted targets, and the volumes set directly, are reproduced within the fit table's CIs.
    for target in ("leads_per_week[web_inquiry]", "leads_per_week[webinar]", "direct_contact_share",
                   "median_response_from_inquiry_hours", "won_rate"):
        assert bool(fit.loc[target, "within_tolerance"]), fit.loc[target].to_dict()


def test_every_value_says_where_it_came_from(calibrated: Path) -> None:
    text = (calibrated / "scenario.yaml").read_text(encoding="utf-8")
    for line in text.splitlines():
        if ":" in line and not line.lstrip().startswith(("#", "-")) and not line.rstrip().endswith(":"):
            if line.split(":")[0].strip() in ("name", "description", "extends"):
                continue
            assert "# calibrated:" in line or "# fitted:" in line or "# assumption:" in line \
                or "# not identifiable" in line, line
    assert "\n  - name: partner_event\n" in text  # the new channel is a list entry of its own
    assert "assumption: copied from trade_fair" in text  # partner_event resembles a fair
    assert "qualification:\n  threshold:" in text and "# fitted:" in text


def test_no_personal_data_in_any_output(calibrated: Path) -> None:
    for path in calibrated.iterdir():
        text = path.read_text(encoding="utf-8")
        for word in ("example.com", "Zacharias", "Schmidt", "Called, wants", "WEB_INQUIRY-0"):
            assert word not in text, (path.name, word)
    assert "Privacy" in (calibrated / "calibration.md").read_text(encoding="utf-8")


def test_org_designs_apply_on_top_of_the_calibrated_profile(calibrated: Path, tmp_path: Path) -> None:
    from sim.bundled import scenarios_dir

    with_sla = tmp_path / "acme_with_sla.yaml"
    lever = (scenarios_dir() / "levers" / "sla.yaml").as_posix()
    with_sla.write_text(
        f'name: acme_with_sla\nextends: ["{(calibrated / "scenario.yaml").as_posix()}", "{lever}"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "compare"
    _cli("compare", str(calibrated / "scenario.yaml"), str(with_sla), "-r", "2", "-w", "1", "--no-cache",
         "--set", "horizon.measurement_days=30", "--out", str(out))
    kpis = pd.read_csv(out / "kpis.csv")
    assert set(kpis["scenario"]) == {"acme_leads", "acme_with_sla"}
