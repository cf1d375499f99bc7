"""``reports.yaml``: the report jobs a nightly cron run produces, each checked before it runs.

An analyst lists jobs (title, notebook, scenario files, replications, parameters); every job
runs even when another fails, and the run then fails with the list of failed jobs, so the good
reports are kept and the cron log names what broke. A job may name a CRM ``export:`` (a file or
a glob such as ``exports/leads_*.csv``) instead of scenarios: each run re-calibrates from the
newest matching export and flags what drifted since the job's previous report.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from sim.errors import LeadsimError, ReportError, ScenarioError
from sim.files import FileTooLargeError, NotRegularFileError, read_regular
from sim.outputs import DEFAULT_CACHE_DIR
from sim.report.build import echo, make_report, slugify
from sim.report.index import JobStatus, write_index
from sim.report.notebooks import notebook_parameters, notebook_path
from sim.report.parameters import check_sizes, kpi_names
from sim.report.scenarios import DEFAULT_SCENARIOS
from sim.scenario.limits import MAX_FILE_BYTES, check_yaml_shape, clip

_TEXT = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


def _listed(value: Any) -> Any:
    """One file name stands for a list of one."""
    return [value] if isinstance(value, str) else value


class ReportJob(BaseModel):
    """One report job of ``reports.yaml`` (also the shape of ``defaults:``); sizes are checked later."""

    model_config = _TEXT

    title: str | None = Field(None, description="a text")
    notebook: str | None = Field(None, description="a report notebook's name, e.g. compare")
    scenarios: Annotated[list[str], BeforeValidator(_listed)] | None = Field(
        None, description="a list of scenario file names"
    )
    replications: Any = None
    seed: Any = None
    language: str | None = Field(None, description="a language code, en or de")
    reference: str | None = Field(None, description="a scenario name")
    kpi_focus: Any = None
    workers: Any = None
    parameters: dict[str, Any] | None = Field(None, description="a mapping of notebook parameters")
    export: str | None = Field(None, min_length=1, description="a file name or glob pattern")


class ReportsFile(BaseModel):
    """The whole ``reports.yaml``: where reports go, defaults for every job, and the jobs."""

    model_config = _TEXT

    out: str | None = Field(None, description="a folder name")
    defaults: ReportJob | None = Field(None, description="a mapping of job keys")
    jobs: list[ReportJob] = Field(min_length=1, description="a non-empty list of report jobs")


def _load_config(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    text = _read_config_text(path)
    try:
        # The scenario files' limits (nesting, alias expansion, digits), from the parser's events.
        check_yaml_shape(text, str(path))
        data = YAML(typ="safe").load(text)
    except ScenarioError as error:
        raise ReportError(f"{error} (the limits of scenario files apply to reports.yaml)") from None
    except YAMLError as error:
        raise ReportError(f"{path}: YAML error: {clip(str(error), 300)}") from None
    except (ValueError, RecursionError) as error:
        raise ReportError(f"{path}: cannot read the YAML ({clip(str(error), 200)})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: the top level must be a mapping with 'jobs:'")
    try:
        checked = ReportsFile.model_validate(data)
    except ValidationError as error:
        raise ReportError(_validation_message(path, text, error)) from None
    return {
        "out": checked.out,
        "defaults": checked.defaults.model_dump(exclude_unset=True) if checked.defaults else {},
        "jobs": [job.model_dump(exclude_unset=True) for job in checked.jobs],
    }


def _validation_message(path: Path, text: str, error: ValidationError) -> str:
    """The first problem as one paragraph: file:line, where, the key, the value and what is allowed."""
    # A misspelt key explains a missing one ("jobz:" leaves "jobs:" missing): unknown keys first.
    problems = sorted(error.errors(), key=lambda item: item["type"] != "extra_forbidden")
    first = problems[0]
    location = tuple(first["loc"])
    if first["type"] == "extra_forbidden":
        scope = location[:-1]
        unknown = [
            item for item in problems if item["type"] == "extra_forbidden" and tuple(item["loc"])[:-1] == scope
        ]
        keys = ", ".join(sorted(clip(str(item["loc"][-1])) for item in unknown))
        model = ReportsFile if not scope else ReportJob
        allowed = ", ".join(model.model_fields if model is ReportsFile else sorted(model.model_fields))
        problem = f"{_where(scope)}unknown key {keys} (allowed: {allowed})"
        more = len(problems) - len(unknown)
    else:
        problem = f"{_where(location)}must be {_wanted(location)}"
        if first["type"] != "missing":
            problem += f", got {clip(repr(first.get('input')), 80)}"
        more = len(problems) - 1
    suffix = f" ({more} more problem{'s' if more > 1 else ''} in the file)" if more else ""
    return f"{path}:{_line(text, location)}: {problem}{suffix}"


def _wanted(location: tuple[Any, ...]) -> str:
    """What is allowed at ``location``: its field's description, or a job's shape for a job."""
    if len(location) == 2 and location[0] == "jobs" and isinstance(location[1], int):
        return "a mapping of job keys"
    fields = [part for part in location if isinstance(part, str)]
    model = ReportsFile if len(fields) == 1 else ReportJob
    field = model.model_fields.get(fields[-1]) if fields else None
    description = field.description if field is not None else None
    return description or "a mapping of job keys"


def _where(location: tuple[Any, ...]) -> str:
    """``jobs[0]: parameters: `` for a location of the file ('' for the top level)."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return "".join(f"{part}: " for part in parts)


def _line(text: str, location: tuple[Any, ...]) -> int:
    """The line (1-based) of the deepest key or item of ``location`` found in the YAML."""
    from ruamel.yaml import YAML

    node: Any = YAML(typ="rt").load(text)
    line = 0
    for part in location:
        try:
            if isinstance(node, dict) and part in node:
                line, node = getattr(node, "lc").key(part)[0], node[part]  # noqa: B009 - positions of ruamel's mapping
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                line, node = getattr(node, "lc").item(part)[0], node[part]  # noqa: B009 - positions of ruamel's list
            else:
                break
        except (AttributeError, KeyError, TypeError):  # a node without positions (an alias)
            break
    return line + 1


def _read_config_text(path: Path) -> str:
    """The text of ``path``, at most ``MAX_FILE_BYTES`` of it (a device or FIFO is never read)."""
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except NotRegularFileError:
        raise ReportError(
            f"{path}: cannot read the report configuration (not a regular file: "
            "a directory, device, FIFO or socket)"
        ) from None
    except FileTooLargeError:
        raise ReportError(
            f"{path}: larger than the limit of {MAX_FILE_BYTES:,} bytes for a report configuration "
            "(the limit of scenario files)"
        ) from None
    except OSError as error:
        raise ReportError(
            f"{path}: cannot read the report configuration ({error.strerror})"
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReportError(f"{path}: not a UTF-8 text file ({error.reason})") from None


def _check_job_parameters(path: Path, data: dict[str, Any]) -> None:
    """Every job's ``parameters:`` names parameters of its notebook (before any job runs)."""
    defaults = data.get("defaults") or {}
    for index, job in enumerate(data["jobs"]):
        merged = {**defaults, **job}
        parameters = merged.get("parameters") or {}
        where = f"{path}: jobs[{index}]: parameters"
        source = notebook_path(merged.get("notebook", "calibration" if "export" in merged else "compare"))
        known = notebook_parameters(source)
        unknown = sorted(set(parameters) - set(known))
        if unknown:
            raise ReportError(
                f"{where}: notebook {source.stem} has no parameter {', '.join(unknown)}; "
                f"it takes: {', '.join(known)}"
            )
        # Sizes of every job before the first one runs: a typo in the last job of a nightly
        # run must not surface hours later.
        sizes = {key: merged[key] for key in ("replications", "seed", "workers") if key in merged}
        try:
            check_sizes(**{**sizes, **parameters})
        except ReportError as error:
            raise ReportError(f"{path}: jobs[{index}]: {error}") from None


def run_report_config(
    config: str | os.PathLike[str],
    out_root: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = DEFAULT_CACHE_DIR,
    log: Callable[[str], None] | None = None,
    progress: bool = False,
) -> list[Path]:
    """Run every job of a ``reports.yaml``; return the report.html paths.

    The configuration and every job's notebook parameters are checked before any job runs.
    All jobs run even when one fails; the index then lists each job with its status (failures
    with their reason) and a ReportError lists the failed jobs (so a cron job exits non-zero
    while the good reports are kept). Paths in the file are relative to it.
    """
    path = Path(config)
    data = _load_config(path)
    _check_job_parameters(path, data)
    base = path.parent
    root = Path(out_root) if out_root is not None else base / (data["out"] or "reports")
    defaults = data.get("defaults") or {}
    produced: list[Path] = []
    failures: list[str] = []
    statuses: list[JobStatus] = []
    for index, job in enumerate(data["jobs"]):
        merged = {**defaults, **job}
        label = str(merged.get("title") or f"jobs[{index}]")
        if "export" in merged:
            try:
                _calibration_job(merged, base, root, index)
            except ReportError as error:
                failures.append(f"{path}: jobs[{index}] ({label}): {error}")
                statuses.append(JobStatus(label, "failed", str(error)))
                echo(log, f"FAILED {label}: {error}")
                continue
        scenarios = merged.pop("scenarios", None)
        if scenarios is None:
            scenarios = list(DEFAULT_SCENARIOS)
        files = [
            str(base / s) if not Path(s).is_absolute() and (base / s).exists() else s
            for s in scenarios
        ]
        try:
            report = make_report(
                files,
                out_root=root,
                notebook=merged.pop("notebook", "compare"),
                replications=merged.pop("replications", None),
                seed=merged.pop("seed", 0),
                title=merged.pop("title", None),
                workers=merged.pop("workers", None),
                language=merged.pop("language", "en"),
                reference=merged.pop("reference", None),
                kpi_focus=kpi_names(merged.pop("kpi_focus", None)),
                parameters=_named_kpis(merged.pop("parameters", None)),
                cache_dir=cache_dir,
                log=log,
                progress=progress,
            )
        except LeadsimError as error:
            failures.append(f"{path}: jobs[{index}] ({label}): {error}")
            statuses.append(JobStatus(label, "failed", str(error)))
            echo(log, f"FAILED {label}: {error}")
            continue
        produced.append(report)
        statuses.append(JobStatus(label, "ok", folder=report.parent.name))
        echo(log, str(report))
    root.mkdir(parents=True, exist_ok=True)
    write_index(root, statuses)
    if failures:
        raise ReportError(
            f"{len(failures)} of {len(data['jobs'])} report jobs failed:\n" + "\n".join(failures)
        )
    return produced


def _named_kpis(parameters: Any) -> Any:
    """A job's parameters with a ``kpi_focus`` text as KPI names (never read letter by letter)."""
    if isinstance(parameters, dict) and "kpi_focus" in parameters:
        return {**parameters, "kpi_focus": kpi_names(parameters["kpi_focus"])}
    return parameters


def _calibration_job(job: dict[str, Any], base: Path, root: Path, index: int) -> None:
    """Turn a job naming an ``export:`` into a calibration-notebook job (in place).

    The newest matching export is calibrated; the job's previous report (same title, newest
    dated folder holding a ``fit.csv``) is passed on so the report flags what drifted since.
    """
    if "scenarios" in job:
        raise ReportError(f"jobs[{index}]: give either export: or scenarios:, not both")
    pattern = job.pop("export")
    if not isinstance(pattern, str) or not pattern:
        raise ReportError(f"jobs[{index}]: export: must be a file name or glob pattern, got {pattern!r}")
    job["export"] = latest_export(pattern, base)
    job.setdefault("notebook", "calibration")
    title = job.setdefault("title", f"calibration {Path(pattern).stem}")
    parameters = dict(job.get("parameters") or {})
    parameters["export_file"] = str(job.pop("export"))
    previous = previous_report(root, str(title), "fit.csv")
    if previous is not None:
        parameters["previous_fit"] = str(previous / "fit.csv")
    job["parameters"] = parameters
    job["scenarios"] = []


def latest_export(pattern: str, base: Path) -> Path:
    """The newest file matching ``pattern`` (relative to ``base``): last modified, then by name."""
    anchored = pattern if Path(pattern).is_absolute() else str(base / pattern)
    matches = [Path(name) for name in glob.glob(anchored) if Path(name).is_file()]
    if not matches:
        raise ReportError(f"export: no file matches {pattern} (looked in {base})")
    return max(matches, key=lambda path: (path.stat().st_mtime_ns, path.name))


def previous_report(root: Path, title: str, needs: str) -> Path | None:
    """The newest finished report folder of the job titled ``title`` that holds ``needs``."""
    if not root.is_dir():
        return None
    name = slugify(title)
    candidates = []
    for folder in root.iterdir():
        # YYYY-MM-DD_HHMMSS_<slug>[-N]: the dated name sorts in time order.
        stem = folder.name[len("YYYY-MM-DD_HHMMSS_"):]
        head, _, number = stem.rpartition("-")
        same_job = stem == name or (head == name and number.isdigit())
        if folder.is_dir() and same_job and (folder / needs).is_file():
            candidates.append(folder)
    return max(candidates, key=lambda folder: folder.name, default=None)
