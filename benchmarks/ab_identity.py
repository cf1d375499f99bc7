"""Bit-identity of this tree's model against another git revision, on scenario variants the back-test lacks.

A script, not a test (it runs two code trees, each in fresh processes):

    .venv/bin/python benchmarks/ab_identity.py main           # every variant
    .venv/bin/python benchmarks/ab_identity.py main base_vac sep_vac

The revision's ``sim`` package is exported (``git archive``) to a temporary folder; each variant
(a bundled scenario with overrides: absences, new hires, routing rules, SLA queue, batch
hand-off, a tight team) runs one short replication under both trees, and the lead, weekly and
run tables must be equal with ``check_exact``. It prints IDENTICAL or what differs per variant.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHORT = ("horizon.warmup_days=30", "horizon.measurement_days=91", "horizon.drain_cap_days=40")
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "base": ("base", ()),
    "base_vac": ("base", ("sales.vacation_days_per_year=25", "sales.sick_days_per_year=8")),
    "base_hires": ("base", ("sales.new_hires.count=3", "sales.new_hires.joins_after_days=40",
                            "sales.new_hires.ramp_weeks=6", "sales.new_hires.capacity_share=0.5",
                            "sales.vacation_days_per_year=20")),
    "base_ll_vac": ("base", ("handoff.routing=least_loaded", "sales.vacation_days_per_year=25",
                             "sales.sick_days_per_year=8")),
    "base_rr_vac": ("base", ("handoff.routing=round_robin", "sales.vacation_days_per_year=25")),
    "base_sla": ("base", ("sales.queue=sla", "sla.first_contact_business_hours=4", "sales.vacation_days_per_year=10")),
    "base_silo_batch": ("base", ("sales.marketing_leads_below_own_pipeline=true", "handoff.mode=batch",
                                 "handoff.batch_every_hours=4")),
    "base_6reps": ("base", ("sales.reps=6", "sales.vacation_days_per_year=25")),
    "sep": ("separate_departments", ()),
    "sep_vac": ("separate_departments", ("sales.vacation_days_per_year=25", "sales.sick_days_per_year=8")),
    "sdr": ("sdr_team", ("sales.vacation_days_per_year=25",)),
    "happy": ("customer_happiness_team", ()),
}
SEED, REPLICATION = 3, 1


def run_variant(name: str, out: Path) -> None:
    """Simulate one variant with whatever ``sim`` is importable and pickle its tables to ``out``."""
    from sim.model.lifecycle import simulate
    from sim.scenario.loader import load_scenario

    file, extra = VARIANTS[name]
    scenario = load_scenario(ROOT / "scenarios" / f"{file}.yaml", overrides=SHORT + extra)
    result = simulate(scenario, seed=SEED, replication=REPLICATION)
    out.write_bytes(pickle.dumps((result.leads, result.weekly, result.run)))


def _tables(tree: Path, name: str, folder: Path, label: str) -> Path:
    out = folder / f"{label}-{name}.pickle"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, __file__, "--run", name, str(out)], env=env, check=True, cwd=folder)
    return out


def _differences(old: Path, new: Path) -> list[str]:
    import pandas as pd

    (old_leads, old_weekly, old_run), (new_leads, new_weekly, new_run) = (
        pickle.loads(old.read_bytes()), pickle.loads(new.read_bytes()))
    found = []
    for label, left, right in (("leads", old_leads, new_leads), ("weekly", old_weekly, new_weekly)):
        try:
            pd.testing.assert_frame_equal(left, right, check_exact=True)
        except AssertionError:
            found.append(label)
    found += [f"run.{key}: {old_run[key]} != {new_run.get(key)}" for key in old_run if old_run[key] != new_run.get(key)]
    return found


def main() -> None:
    """Compare this tree with ``revision`` on the variants named (all by default)."""
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        run_variant(sys.argv[2], Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="git revision to compare with (e.g. main)")
    parser.add_argument("variants", nargs="*", choices=[[], *VARIANTS], default=[], metavar="variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ab-identity-") as folder_name:
        folder = Path(folder_name)
        baseline = folder / "baseline"
        baseline.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.revision, "sim"],
                                 check=True, capture_output=True).stdout
        archive_file = folder / "sim.tar"
        archive_file.write_bytes(archive)
        with tarfile.open(archive_file) as tar:
            tar.extractall(baseline, filter="data")
        for name in args.variants or list(VARIANTS):
            old = _tables(baseline, name, folder, "baseline")
            new = _tables(ROOT, name, folder, "this")
            found = _differences(old, new)
            print(f"{name}: " + ("IDENTICAL" if not found else "DIFFERENT " + "; ".join(found)), flush=True)


if __name__ == "__main__":
    main()
