"""Build one report: run a notebook into a new dated folder that is complete or absent.

``make_report`` runs a notebook with papermill in a temporary folder, converts it to
self-contained HTML, writes ``manifest.json`` and renames the folder into place as
``reports/YYYY-MM-DD_HHMMSS_<slug>/`` only when everything is written; then the index is
rewritten. A failure raises :class:`sim.errors.ReportError` and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import ReportError
from sim.outputs import (
    DEFAULT_CACHE_DIR,
    MANIFEST_FILE,
    git_revision,
    slug,
    staged_folder,
    write_manifest,
    write_text,
)
from sim.report.export import notebook_to_html
from sim.report.index import write_index
from sim.report.method import software_versions
from sim.report.notebooks import (
    execute_notebook,
    notebook_parameters,
    notebook_path,
    plain,
    report_replications,
)
from sim.report.parameters import check_parameters, kpi_names
from sim.report.scenarios import (
    DEFAULT_SCENARIOS,
    PROJECT_ROOT,
    find_scenario_file,
    load_scenario_files,
    sha256_file,
    shown_path,
    starting_point,
)

TEMP_PREFIX = ".tmp-report-"


def slugify(title: str, limit: int = 40) -> str:
    """A report folder's name part from its title (the project's one slug, Unicode kept)."""
    return slug(title, fallback="report", limit=limit, separator="-", lower=True)


ARGUMENT_PARAMETERS = ("replications", "seed", "title", "language", "workers", "reference", "kpi_focus")
"""Notebook parameters that are also arguments of :func:`make_report` (``-p`` may set them too)."""


def make_report(
    scenario_files: Sequence[str | os.PathLike[str]] = DEFAULT_SCENARIOS,
    out_root: str | os.PathLike[str] = Path("reports"),
    notebook: str | os.PathLike[str] = "compare",
    replications: int | None = None,
    seed: int = 0,
    title: str | None = None,
    workers: int | None = None,
    language: str = "en",
    reference: str | None = None,
    kpi_focus: Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    attribute_levers: bool = True,
    cache_dir: str | os.PathLike[str] | None = DEFAULT_CACHE_DIR,
    start_timeout: int = 300,
    log: Callable[[str], None] | None = None,
    progress: bool = False,
) -> Path:
    """Run a report notebook into a new dated folder under ``out_root``; return its report.html.

    The folder ``YYYY-MM-DD_HHMMSS_<slug of title>`` is built under a temporary name and
    renamed only when everything is written, so a failure leaves no partial folder and the
    index untouched. It holds ``report.html`` (self-contained, code hidden), the executed
    notebook, the notebook's tables and ``manifest.json``; ``reports/index.html`` is then
    rewritten. ``parameters`` are notebook parameters (names checked against the notebook;
    replications, seed, title, language, workers, reference and kpi_focus given there win over
    the arguments). ``replications`` defaults to the notebook's report default
    (``REPORT_REPLICATIONS``: 30 for compare and scenario, 10 for sensitivity). A single workshop
    setup is compared with its starting point.
    """
    started = time.perf_counter()
    now = dt.datetime.now()
    source = notebook_path(notebook)
    name = source.stem
    known = notebook_parameters(source)
    given = {key: plain(value) for key, value in (parameters or {}).items()}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ReportError(
            f"notebook {name} has no parameter {', '.join(unknown)}; it takes: {', '.join(known)}"
        )
    if replications is None:
        replications = report_replications(source)
    arguments: dict[str, Any] = {
        "replications": replications, "seed": seed, "title": title, "language": language,
        "workers": workers, "reference": reference, "kpi_focus": kpi_focus,
    }
    arguments.update({key: given.pop(key) for key in ARGUMENT_PARAMETERS if key in given})
    files = [find_scenario_file(f) for f in scenario_files]
    takes_scenarios = "scenario_files" in known or "scenario_file" in known
    if takes_scenarios and not files:
        raise ReportError("no scenario files given")
    if not takes_scenarios and files:
        # The calibration notebook reads a CRM export, not scenario files.
        raise ReportError(f"the {name} notebook takes no scenario files, got {len(files)}")
    if "scenario_files" in known and len(files) == 1:
        start = starting_point(files[0])
        if start is not None:
            files.insert(0, start)
    loaded = load_scenario_files(files) if files else {}
    title = str(arguments["title"]) if arguments["title"] is not None else _default_title(name, list(loaded))
    common: dict[str, Any] = {
        "replications": arguments["replications"],
        "seed": arguments["seed"],
        "title": title,
        "language": arguments["language"],
        "workers": arguments["workers"],
        "cache_dir": None if cache_dir is None else os.path.abspath(cache_dir),
    }
    # A notebook gets the common parameters it declares (every comparison notebook declares all).
    params: dict[str, Any] = {key: value for key, value in common.items() if key in known}
    if "attribute_levers" in known:
        params["attribute_levers"] = bool(attribute_levers)
    if "scenario_files" in known:
        params["scenario_files"] = [str(f) for f in files]
        params["reference"] = arguments["reference"]
        if arguments["kpi_focus"] is not None:
            params["kpi_focus"] = list(kpi_names(arguments["kpi_focus"]))
    elif takes_scenarios:
        if len(files) != 1:
            raise ReportError(f"the {name} notebook takes one scenario file, got {len(files)}")
        params["scenario_file"] = str(files[0])
        if arguments["kpi_focus"] is not None and "kpi_focus" in known:
            params["kpi_focus"] = list(kpi_names(arguments["kpi_focus"]))
    params.update(given)
    params = {k: plain(v) for k, v in params.items()}
    check_parameters(**params)
    unknown = sorted(set(params) - set(known) - {"output_dir"})
    if unknown:
        raise ReportError(
            f"notebook {name} has no parameter {', '.join(unknown)}; it takes: {', '.join(known)}"
        )
    root = Path(out_root)
    with staged_folder(root, TEMP_PREFIX) as staging:
        temporary = staging.path
        params["output_dir"] = "."  # the notebook runs in the temporary folder
        executed = temporary / f"{name}.ipynb"
        count = f"{arguments['replications']} replications"
        if params.get("precision") is not None:  # a comparison run by precision: the count is its cap
            count = f"replications until ±{params['precision']:.0%} precision, at most {arguments['replications']}"
        what = f" ({', '.join(loaded)}; {count})" if loaded else ""
        echo(log, f"running notebook {name}{what}")
        execute_notebook(source, executed, params, name, start_timeout, progress)
        echo(log, "converting to HTML")
        page = notebook_to_html(executed, language=params.get("language", arguments["language"]), title=title)
        write_text(temporary / "report.html", page)
        final = staging.claim_name(slugify(title), now)
        manifest = {
            "title": title,
            "notebook": name,
            "folder": final.name,
            "created": now.isoformat(timespec="seconds"),
            "status": "ok",
            "seed": params.get("seed", arguments["seed"]),
            "replications": params.get("replications"),
            "language": params.get("language", arguments["language"]),
            "parameters": {k: v for k, v in params.items() if k not in ("output_dir", "cache_dir")},
            "scenarios": [
                {
                    "name": scenario_name,
                    "file": shown_path(file.path),
                    "sha256": sha256_file(file.path),
                    "content_hash": file.content_hash,
                    "chain": file.file_hashes(),
                    "description": file.description,
                }
                for scenario_name, file in loaded.items()
            ],
            "versions": software_versions(),
            "git": git_revision(PROJECT_ROOT),
            "duration_seconds": round(time.perf_counter() - started, 2),
            "files": sorted(p.name for p in temporary.iterdir()) + [MANIFEST_FILE],
        }
        write_manifest(temporary, manifest)
    write_index(root)
    return final / "report.html"


def _default_title(notebook: str, names: Sequence[str]) -> str:
    if notebook == "compare":
        return " vs ".join(names)
    return f"{notebook}: {', '.join(names)}"


def echo(log: Callable[[str], None] | None, message: str) -> None:
    """Pass ``message`` to ``log`` when there is one (the CLI prints it to stderr)."""
    if log is not None:
        log(message)
