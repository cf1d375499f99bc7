"""Figures and changes in the words a manager reads on a projector, built on ``sim.kpis``.

Labels, units and number formats come from the KPI vocabulary; this module only adds what a
live comparison needs on top: counts of customers shown as whole numbers (a mean of 42.0
customers is "42"), a difference that rounds to nothing shown without a sign ("0.0 pp", never
"−0.0 pp"), and the change said in words ("€0.42 M more (+21 %)", "4.2 h faster").
"""

from __future__ import annotations

import math
import re

from sim import kpis


def figure(kpi: str, value: float) -> str:
    """A KPI value for the page: the vocabulary's format, counts as whole numbers."""
    if value is None or math.isnan(value):
        return "–"
    if kpis.get(kpi).kind == "count":
        value = float(round(value))
    return kpis.format_kpi(kpi, value, compact=True)


def signed_text(kpi: str, value: float) -> str:
    """A signed difference (+€0.42 M, −4.2 h, +3.1 pp); one that shows as zero has no sign."""
    if value is None or math.isnan(value):
        return "–"
    if kpis.get(kpi).kind == "count":
        value = float(round(value, 1))
    text = kpis.format_kpi(kpi, value, signed=True, compact=True)
    if not re.search(r"[1-9]", text):
        return kpis.format_kpi(kpi, 0.0, signed=True, compact=True)
    return text


def change_words(kpi: str, difference: float, baseline: float) -> str:
    """The change in words, e.g. '€0.42 M more (+21 %)', '4.2 h faster', '3.1 pp lower'."""
    if difference is None or math.isnan(difference):
        return "cannot be compared"
    if abs(difference) < 1e-12:
        return "no change"
    signed = signed_text(kpi, difference)
    if signed[0] not in "+−":
        return f"about the same ({signed})"
    up = difference > 0
    size = signed[1:]
    kind, clock = kpis.get(kpi).kind, kpis.get(kpi).clock
    relative = ""
    if kind in ("money", "count") and baseline and not math.isnan(baseline):
        relative = f" ({'+' if up else '−'}{100 * abs(difference) / abs(baseline):.0f} %)"
    if kind == "hours" and clock:  # a response time: hours on a clock
        return f"{size} {'slower' if up else 'faster'}"
    if kind in ("money", "count", "hours"):
        return f"{size} {'more' if up else 'less' if kind != 'count' else 'fewer'}{relative}"
    return f"{size} {'higher' if up else 'lower'}"
