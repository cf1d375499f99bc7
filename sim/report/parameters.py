"""A report notebook's parameters, checked before anything runs (papermill only warns).

Every number that sets how much work a report does has an upper bound here, so a typo such as
``-p robustness_samples=100000000`` is refused in milliseconds instead of running the whole
comparison before numpy refuses a 76 GiB array.
"""

from __future__ import annotations

from typing import Any

from sim import kpis
from sim.errors import ReportError
from sim.report.scenarios import find_scenario_file

MIN_LEVER_REPLICATIONS = 2
"""Paired intervals of lever effects need at least two replications."""
MAX_REPLICATIONS = 500
"""Most replications per scenario (also per lever combination and of a calibration's check).
A report runs 30; 500 make its intervals 4x narrower and the three bundled setups then take
≈ 30 CPU-minutes and ≈ 2.5 GB – more is a typo, not more insight."""
MAX_SEED = 2**63 - 1
"""Largest root seed: seeds are kept in tables (manifest, pandas) as 64-bit integers."""
MAX_WORKERS = 256
"""Most worker processes: more than any machine's cores, and each worker is a Python process
of some hundred MB, so a typo like 10000 would exhaust memory."""
MIN_ROBUSTNESS_SAMPLES = 16
"""Fewest sampled worlds of the report's robustness section (its Latin hypercube needs 16)."""
MAX_ROBUSTNESS_SAMPLES = 4_096
"""Most sampled worlds: 16 to 64 take 5 to 30 minutes on two cores, so 4,096 (a power of two,
as Sobol designs need) is already a day on a server; 10**8 would need a 76 GiB sample table."""
MAX_ROBUSTNESS_REPLICATIONS = 20
"""Most replications per setup and sampled world: the spread comes from the worlds; two
replications per world already give intervals."""
MAX_ROBUSTNESS_RUNS = MAX_ROBUSTNESS_SAMPLES * 2
"""Most sampled worlds × replications per world for one setup (4,096 worlds at 2 each)."""
MAX_FIT_DAYS = 3_650
"""Longest measured period of a calibration fit: ten years, the scenario horizon limit."""
MAX_SENSITIVITY_RANGES = 100
"""Most parameters of a sensitivity tornado: each costs two variants; 100 bars are unreadable."""
MAX_SWEEP_VALUES = 50
"""Most values on one axis of a two-way sweep: 50 × 50 variants is already a day's run."""


def _fail(message: str) -> None:
    raise ReportError(message)


def check_whole_number(
    name: str, value: Any, minimum: int, maximum: int | None = None, why: str = ""
) -> None:
    """Raise ReportError unless ``value`` is a whole number (not a bool) in [minimum, maximum]."""
    whole = not isinstance(value, bool) and isinstance(value, int)
    if whole and value >= minimum and (maximum is None or value <= maximum):
        return
    allowed = f">= {minimum}" if maximum is None else f">= {minimum} and at most {maximum:,}"
    reason = f" ({why})" if why else ""
    shown = f"{value:,}" if whole else repr(value)
    _fail(f"{name} must be a whole number {allowed}{reason}, got {shown}")


def kpi_names(value: Any) -> Any:
    """``kpi_focus`` given as text as a list of KPI names (``revenue`` or ``revenue, cost``)."""
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return value


def check_sizes(
    *,
    replications: Any = None,
    seed: Any = None,
    workers: Any = None,
    lever_replications: Any = None,
    robustness_samples: Any = None,
    robustness_replications: Any = None,
    check_replications: Any = None,
    fit_days: Any = None,
    ranges: Any = None,
    sweep_x_values: Any = None,
    sweep_y_values: Any = None,
    **others: Any,
) -> None:
    """Check every given parameter that sets the size of a report against its upper bound."""
    del others  # not a size
    if replications is not None:
        check_whole_number("replications", replications, 1, MAX_REPLICATIONS, "a report runs 30")
    if seed is not None:
        check_whole_number("seed", seed, 0, MAX_SEED, "a 64-bit integer")
    if workers is not None:
        check_whole_number("workers", workers, 1, MAX_WORKERS, "or None for all cores")
    if lever_replications is not None:
        check_whole_number(
            "lever_replications", lever_replications, MIN_LEVER_REPLICATIONS, MAX_REPLICATIONS
        )
    if check_replications is not None:
        check_whole_number("check_replications", check_replications, 0, MAX_REPLICATIONS)
    if robustness_samples is not None and robustness_samples != 0:
        check_whole_number(
            "robustness_samples", robustness_samples, MIN_ROBUSTNESS_SAMPLES,
            MAX_ROBUSTNESS_SAMPLES, "or 0 for off; 16 to 64 take 5 to 30 minutes on two cores",
        )
    if robustness_replications is not None:
        check_whole_number(
            "robustness_replications", robustness_replications, 2, MAX_ROBUSTNESS_REPLICATIONS
        )
    if robustness_samples and robustness_replications:
        runs = robustness_samples * robustness_replications
        if runs > MAX_ROBUSTNESS_RUNS:
            _fail(
                f"robustness_samples × robustness_replications must be at most "
                f"{MAX_ROBUSTNESS_RUNS:,} runs per setup, got {robustness_samples:,} × "
                f"{robustness_replications:,} = {runs:,}"
            )
    if fit_days is not None and (
        isinstance(fit_days, bool)
        or not isinstance(fit_days, (int, float))
        or not 0 <= fit_days <= MAX_FIT_DAYS  # NaN fails this too
    ):
        _fail(f"fit_days must be a number from 0 to {MAX_FIT_DAYS:,} (ten years), got {fit_days!r}")
    if isinstance(ranges, dict) and len(ranges) > MAX_SENSITIVITY_RANGES:
        _fail(
            f"ranges must name at most {MAX_SENSITIVITY_RANGES} parameters (two variants each), "
            f"got {len(ranges):,}"
        )
    for name, values in (("sweep_x_values", sweep_x_values), ("sweep_y_values", sweep_y_values)):
        if isinstance(values, list) and len(values) > MAX_SWEEP_VALUES:
            _fail(
                f"{name} must hold at most {MAX_SWEEP_VALUES} values (the sweep runs every "
                f"pair of x and y values), got {len(values):,}"
            )


def check_parameters(
    *,
    scenario_files: Any = None,
    scenario_file: Any = None,
    reference: Any = None,
    replications: Any = 3,
    seed: Any = 0,
    title: Any = "",
    kpi_focus: Any = None,
    language: Any = "en",
    output_dir: Any = None,
    workers: Any = None,
    cache_dir: Any = None,
    lever_replications: Any = None,
    precision: Any = None,
    lever_band: Any = None,
    **others: Any,
) -> None:
    """Check a notebook's parameters (papermill does not); raise ReportError naming the problem."""
    _check_share("precision", precision, "e.g. 0.1 for ±10 %, or None for exactly `replications`")
    _check_share("lever_band", lever_band, "e.g. 0.03, or None for exactly `lever_replications`")
    if scenario_files is not None:
        if isinstance(scenario_files, str) or not isinstance(scenario_files, (list, tuple)):
            _fail(f"scenario_files must be a list of file names, got {scenario_files!r}")
        if not scenario_files:
            _fail("scenario_files is empty: give at least one scenario file")
        for file in scenario_files:
            if not isinstance(file, str) or not file:
                _fail(f"scenario_files must hold file names (text), got {file!r}")
            find_scenario_file(file)
    if scenario_file is not None:
        if not isinstance(scenario_file, str) or not scenario_file:
            _fail(f"scenario_file must be a file name (text), got {scenario_file!r}")
        find_scenario_file(scenario_file)
    if reference is not None and not isinstance(reference, str):
        _fail(f"reference must be a scenario name or None, got {reference!r}")
    # The sizes first and together: notebook-specific ones (robustness_samples, …) come in others.
    check_sizes(
        replications=replications, seed=seed, workers=workers,
        lever_replications=lever_replications, **others,
    )
    if not isinstance(title, str):
        _fail(f"title must be text, got {title!r}")
    if language not in kpis.LANGUAGES:
        _fail(f"language must be one of {', '.join(kpis.LANGUAGES)}, got {language!r}")
    if kpi_focus is not None:
        _check_kpi_focus(kpi_focus)
    for name, value in (("output_dir", output_dir), ("cache_dir", cache_dir)):
        if value is not None and (not isinstance(value, str) or not value):
            _fail(f"{name} must be a folder name (text) or None, got {value!r}")


def _check_share(name: str, value: Any, why: str) -> None:
    """None, or a share strictly between 0 and 1 (a precision target or a practical band)."""
    if value is None:
        return
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if not (number and 0 < value < 1):  # NaN fails this too
        _fail(f"{name} must be a share between 0 and 1 ({why}), got {value!r}")


def _check_kpi_focus(kpi_focus: Any) -> None:
    """Known KPI names in a non-empty list; a text names KPIs, never a list of its letters."""
    names = kpi_names(kpi_focus)
    if not isinstance(names, (list, tuple)) or not names:
        _fail(f"kpi_focus must be a non-empty list of KPI names or None, got {kpi_focus!r}")
    try:
        kpis.check(list(names), where="kpi_focus")
    except kpis.KpiError as error:
        _fail(str(error))
    if isinstance(kpi_focus, str):
        # The notebooks iterate over kpi_focus: a text would be read letter by letter there.
        _fail(f"kpi_focus must be a list of KPI names such as {names!r}, got the text {kpi_focus!r}")

