"""``reports/index.html``: every report with links to its page and tables, and the last jobs' status.

An analyst opening the reports folder in the morning sees which of last night's jobs ran and
which failed (with the reason), then every report, newest first, with links to its HTML page,
its Excel workbook and its CSV tables.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from sim.outputs import write_text
from sim.report.texts import escape

REPORT_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{6}_[a-z0-9-]+$")
JOBS_FILE = "jobs.json"
"""The status of every job of the last ``reports.yaml`` run, next to index.html."""


@dataclass(frozen=True)
class JobStatus:
    """One report job of a ``reports.yaml`` run: its title, ``ok`` or ``failed``, and the outcome."""

    title: str
    status: str
    message: str = ""
    folder: str = ""


def _report_folders(root: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in root.iterdir()
            if p.is_dir() and REPORT_FOLDER.match(p.name) and (p / "report.html").is_file()
        ),
        key=lambda p: p.name,
        reverse=True,
    )


def _link(folder: Path, name: str) -> str:
    return f'<a href="{escape(quote(f"{folder.name}/{name}"))}">{escape(name)}</a>'


def _report_row(folder: Path) -> str:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    scenarios = ", ".join(str(s.get("name", "")) for s in manifest.get("scenarios", []))
    href = quote(f"{folder.name}/report.html")
    tables = sorted(p.name for p in folder.iterdir() if p.suffix in (".xlsx", ".csv"))
    tables.sort(key=lambda name: (not name.endswith(".xlsx"), name))  # the workbook first
    return (
        "<tr>"
        f"<td>{escape(manifest.get('created', folder.name[:17]))}</td>"
        f'<td><a href="{escape(href)}">{escape(manifest.get("title", folder.name))}</a></td>'
        f"<td>{escape(manifest.get('notebook', ''))}</td>"
        f"<td>{escape(scenarios)}</td>"
        f"<td>{escape(manifest.get('replications', ''))}</td>"
        f"<td>{escape(manifest.get('seed', ''))}</td>"
        f"<td>{' '.join(_link(folder, name) for name in tables)}</td>"
        "</tr>"
    )


def _read_jobs(root: Path) -> list[JobStatus]:
    try:
        entries = json.loads((root / JOBS_FILE).read_text(encoding="utf-8"))
        return [JobStatus(**entry) for entry in entries]
    except (OSError, ValueError, TypeError):
        return []


def _jobs_section(jobs: Sequence[JobStatus]) -> str:
    if not jobs:
        return ""
    rows = []
    for job in jobs:
        outcome = (
            f'<a href="{escape(quote(f"{job.folder}/report.html"))}">{escape(job.folder)}</a>'
            if job.status == "ok" and job.folder
            else escape(job.message)
        )
        rows.append(
            f'<tr class="job-{escape(job.status)}"><td>{escape(job.title)}</td>'
            f"<td>{escape(job.status)}</td><td>{outcome}</td></tr>"
        )
    return (
        "<h2>Jobs of the last run</h2>\n<table><thead><tr><th>Job</th><th>Status</th>"
        f"<th>Report or reason</th></tr></thead>\n<tbody>\n{chr(10).join(rows)}\n</tbody></table>\n"
    )


def write_index(
    out_root: str | os.PathLike[str] = Path("reports"), jobs: Sequence[JobStatus] | None = None
) -> Path:
    """Rewrite ``index.html`` (atomically): the last jobs' status, then every report, newest first.

    ``jobs`` (from a ``reports.yaml`` run) replace the recorded status of the last run.
    """
    root = Path(out_root)
    if jobs is not None:
        write_text(root / JOBS_FILE, json.dumps([asdict(job) for job in jobs], indent=2, ensure_ascii=False))
    rows = [_report_row(folder) for folder in _report_folders(root)]
    body = "\n".join(rows) if rows else '<tr><td colspan="7">No reports yet.</td></tr>'
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>leadsim reports</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; }}
th {{ background: #eef2f6; }}
tr.job-failed td {{ color: #b03a2e; }}
</style></head>
<body><h1>leadsim reports</h1>
{_jobs_section(jobs if jobs is not None else _read_jobs(root))}<h2>Reports</h2>
<p>Newest first. Each folder holds report.html, the executed notebook, the tables (CSV, Excel)
and manifest.json.</p>
<table><thead><tr><th>Created</th><th>Title</th><th>Notebook</th><th>Scenarios</th>
<th>Replications</th><th>Seed</th><th>Tables</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""
    return write_text(root / "index.html", page)
