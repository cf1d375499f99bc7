"""How the numbers were made: the STRESS-DES checklist, software versions and the git revision.

The reporting guideline for discrete-event simulation studies (Monks et al. 2019) asks what a
reader needs to trust and repeat a result: replications, seed, warm-up, run length, the random
number scheme, the software and the code's revision. This module fills it in for one report.
"""

from __future__ import annotations

import math
import os
import platform
from importlib import metadata

import pandas as pd

import sim
from sim import kpis
from sim.experiment.comparison import NIL
from sim.outputs import git_revision
from sim.report.comparison import Comparison
from sim.report.scenarios import PROJECT_ROOT
from sim.report.tables import table_html
from sim.report.texts import text


def software_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape the results and the report."""
    versions = {"python": platform.python_version(), "leadsim": sim.__version__}
    for package in (
        "simpy",
        "numpy",
        "scipy",
        "pandas",
        "pydantic",
        "altair",
        "vl-convert-python",
        "papermill",
        "nbconvert",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def precision_sentences(comparison: Comparison) -> list[str]:
    """What precision the headline figure reached and how many replications that took (plain text)."""
    found = comparison.precision
    if found is None:
        return []
    language = comparison.language

    def share(value: float) -> str:
        return kpis.format_number(value, "share", language)

    shown = [setup for setup in found.setups if setup.status != NIL and math.isfinite(setup.relative)]
    # One setup: "±5.3 %"; several: each named, so the loosest figure is not read as everyone's.
    reached = (
        f"±{share(shown[0].relative)}" if len(shown) == 1
        else ", ".join(f"±{share(s.relative)} ({s.scenario})" for s in shown)
    )
    reps = found.replications
    if not shown:  # every difference nil (or undefined): only the nil sentences below
        sentences = []
    elif found.target is None:
        sentences = [text("precision_fixed", language, reps=reps, reached=reached)]
    else:
        key = "precision_reached" if found.reached else "precision_capped"
        sentences = [text(key, language, reps=reps, cap=found.cap, reached=reached, target=share(found.target))]
    band = kpis.format_number(found.zero_band, "money", language, compact=True)
    sentences += [
        text("precision_nil", language, setup=setup.scenario, band=band)
        for setup in found.setups
        if setup.status == NIL
    ]
    return sentences


def _stress_items(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    """(number, item en, item de, content) of the STRESS-DES checklist for this comparison."""
    language = comparison.language
    result = comparison.result
    first = comparison.scenario(comparison.reference)
    horizon = first.horizon
    names = ", ".join(comparison.names)
    versions = software_versions()
    git = git_revision(PROJECT_ROOT)
    de = language == "de"
    runs = result.runs if isinstance(result.runs, pd.DataFrame) else pd.DataFrame()
    unfinished = (
        int((~runs["cohort_finished"].astype(bool)).sum()) if "cohort_finished" in runs else 0
    )
    hashes = "; ".join(f"{n}: {f.content_hash[:12]}" for n, f in comparison.scenarios.items())
    warmups = ", ".join(
        f"{n}: {kpis.format_number(comparison.scenario(n).horizon.warmup_days, 'count', language)}"
        for n in comparison.names
    )
    software = ", ".join(f"{k} {v}" for k, v in versions.items())
    items = [
        (
            "1.1",
            "Purpose of the model",
            "Zweck des Modells",
            "Verschiedene Organisationsformen zwischen Marketing und Vertrieb vergleichen: "
            "Geschwindigkeit der Leadbearbeitung, Verluste, Umsatz."
            if de
            else "Compare ways of organising marketing and sales around leads: speed of follow-up, "
            "losses, revenue.",
        ),
        (
            "1.2",
            "Model outputs",
            "Modellergebnisse",
            "Kennzahlen je Szenario und Replikation für die Kohorte der im Messfenster erzeugten "
            "Leads; Reaktionszeit = erster Kontaktversuch − Vertriebsreife."
            if de
            else "KPIs per scenario and replication for the cohort of leads created in the measurement "
            "window; response time = first contact attempt − sales-ready time.",
        ),
        (
            "1.3",
            "Experimentation aims",
            "Ziele der Experimente",
            f"Szenarien {names}; Referenz {comparison.reference}."
            if de
            else f"Scenarios {names}; reference {comparison.reference}.",
        ),
        (
            "2.1",
            "Base model overview",
            "Modellüberblick",
            "Ein Lead ist ein SimPy-Prozess: Entstehung je Kanal, Nurturing, Scoring und Übergabe, "
            "Interessenverfall, Kontaktversuche durch Vertriebsmitarbeiter im Geschäftskalender, "
            "Qualifizierung, Vertriebszyklus, Abschluss."
            if de
            else "One lead is one SimPy process: arrival per channel, nurturing, scoring and hand-off, "
            "decay of interest, contact attempts by reps working a business calendar, "
            "qualification, sales cycle, close.",
        ),
        (
            "2.3",
            "Scenario logic",
            "Szenariologik",
            "Szenarien sind YAML-Dateien, die eine Basis und Hebel-Overlays erweitern; die "
            "abweichenden Parameter stehen im Abschnitt Annahmen."
            if de
            else "Scenarios are YAML files extending a base and lever overlays; the parameters that "
            "differ are listed in the assumptions section.",
        ),
        (
            "3.1",
            "Data sources",
            "Datenquellen",
            "Jeder Parameterwert nennt im Kommentar seiner Datei eine Quelle oder ist als Annahme "
            f"markiert. Inhalts-Hashes: {hashes}."
            if de
            else "Each parameter's comment in its file names a source or marks it as an assumption. "
            f"Content hashes: {hashes}.",
        ),
        (
            "4.1",
            "Initialisation (warm-up)",
            "Initialisierung (Einschwingphase)",
            f"Einschwingphase in Tagen: {warmups}; Leads aus dieser Zeit werden simuliert, aber "
            "nicht gemessen."
            if de
            else f"Warm-up in days: {warmups}; leads created then are simulated but not measured.",
        ),
        (
            "4.2",
            "Run length",
            "Laufzeit",
            f"Messfenster {kpis.format_number(horizon.measurement_days, 'count', language)} Tage; danach "
            f"läuft die Simulation bis zu {kpis.format_number(horizon.drain_cap_days, 'count', language)} "
            f"Tage weiter, bis die Kohorte abgeschlossen ist (unvollständig in {unfinished} von "
            f"{len(runs)} Läufen)."
            if de
            else f"Measurement window {kpis.format_number(horizon.measurement_days, 'count', language)} days; "
            f"the run then continues for up to {kpis.format_number(horizon.drain_cap_days, 'count', language)} "
            f"days until the cohort has finished (unfinished in {unfinished} of {len(runs)} runs).",
        ),
        (
            "4.3",
            "Estimation approach",
            "Schätzverfahren",
            f"{result.replications} Replikationen je Szenario; 95-%-t-Intervalle; gepaarte "
            "Differenzen zur Referenz (gemeinsame Zufallszahlen)."
            if de
            else f"{result.replications} replications per scenario; 95 % t-intervals; paired "
            "differences against the reference (common random numbers).",
        ) if comparison.precision is None or comparison.precision.target is None else (
            "4.3",
            "Estimation approach",
            "Schätzverfahren",
            # By precision: the count follows from the target, so the row says how it was chosen.
            f"Replikationen in festen Fünferschritten bis die 95-%-Intervalle der gepaarten "
            f"Differenzen im Nettonutzen pro Jahr auf ±{kpis.format_number(comparison.precision.target, 'share', language)} "
            f"genau sind (Verfahren von Hoad, Robinson & Davies mit Vorausschau), höchstens "
            f"{comparison.precision.cap}; 95-%-t-Intervalle; gemeinsame Zufallszahlen. "
            + " ".join(precision_sentences(comparison))
            if de
            else f"Replications added in fixed batches of five until the 95 % intervals of the paired "
            f"differences in net benefit per year are within ±{kpis.format_number(comparison.precision.target, 'share', language)} "
            f"of them (Hoad, Robinson & Davies' method with look-ahead), at most "
            f"{comparison.precision.cap}; 95 % t-intervals; common random numbers. "
            + " ".join(precision_sentences(comparison)),
        ),
        ("5.1", "Software", "Software", software),
        (
            "5.2",
            "Random sampling",
            "Zufallszahlen",
            f"Startwert (seed) {result.seed}; numpy SeedSequence, ein Kind je Replikation, "
            "benannte Ströme je Aktivität: Szenarien teilen Zufallszahlen, wo sie Struktur teilen "
            "(CRN)."
            if de
            else f"Seed {result.seed}; numpy SeedSequence, one child per replication, named streams "
            "per activity, so scenarios share random numbers where they share structure (CRN).",
        ),
        (
            "5.3",
            "Model execution",
            "Modellausführung",
            "Ereignisdiskret (SimPy), Uhr in Stunden; Ergebnisse unabhängig von der Zahl der "
            f"Prozesse (workers: {comparison.workers or 'auto'})."
            if de
            else "Discrete-event (SimPy), clock in hours; results do not depend on the number of worker "
            f"processes (workers: {comparison.workers or 'auto'}).",
        ),
        (
            "5.4",
            "System specification",
            "Systemumgebung",
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU; Rechenzeit "
            f"{comparison.seconds:.0f} s."
            if de
            else f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
            f"experiment time {comparison.seconds:.0f} s.",
        ),
        (
            "6",
            "Code access",
            "Code",
            (
                f"git {git['revision'][:12]}"
                + (
                    " (mit lokalen Änderungen)"
                    if de and git["dirty"]
                    else " (with local changes)"
                    if git["dirty"]
                    else ""
                )
            )
            if git
            else ("keine git-Revision" if de else "no git revision"),
        ),
    ]
    return items


def method_appendix(comparison: Comparison) -> pd.DataFrame:
    """The STRESS-DES items of this comparison (replications, seed, warm-up, CRN, versions …)."""
    de = comparison.language == "de"
    return pd.DataFrame(
        [
            (number, item_de if de else item_en, content)
            for number, item_en, item_de, content in _stress_items(comparison)
        ],
        columns=[
            "STRESS-DES",
            text("item", comparison.language),
            text("content", comparison.language),
        ],
    )


def method_appendix_html(comparison: Comparison) -> str:
    """:func:`method_appendix` as an escaped HTML table."""
    return table_html(method_appendix(comparison))
