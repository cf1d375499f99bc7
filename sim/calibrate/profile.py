"""The calibrated company profile: a scenario file that extends a base and says where each value came from.

The consultant opens ``scenario.yaml`` and sees, line by line, what the client's data set:
``leads_per_week: 39.8  # calibrated: web_inquiry leads over 25.9 weeks, n=1031``. Everything
the data cannot tell stays in the base file. A setting is a dotted path (as for ``--set``), a
value and a comment, so the fitting step can try values as overrides, the draft is checked in
memory as a layer on the base (:func:`settings_layer`) and the writer renders the same list as YAML.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.calibrate.estimate import Estimate, ExportEstimates
from sim.scenario.schema import Scenario
from sim.scenario.spec import Layer

SIMILAR_CHANNEL_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("fair", "show", "event", "expo", "messe", "offline", "booth"), "trade_fair"),
    (("webinar", "seminar", "online_event"), "webinar"),
    (("referr", "partner", "recommend", "empfehlung"), "referral"),
    (("content", "download", "ebook", "whitepaper", "paper", "guide", "email", "newsletter"), "content_download"),
    (("web", "search", "inquiry", "contact", "demo", "direct", "organic", "paid", "site"), "web_inquiry"),
)
MAX_CLIMB = 2
COPIED_CHANNEL_FIELDS = ("cost_per_lead", "marketing_sourced", "fit", "decay", "buying_window_days")


@dataclass(frozen=True)
class Setting:
    """One value of the calibrated scenario: dotted path, value, and the comment saying why."""

    path: str
    value: Any
    comment: str


def render_value(value: Any) -> str:
    """A YAML scalar or flow list; floats rounded to 4 significant digits."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return "0" if value == 0 else "null"
        digits = max(4 - math.floor(math.log10(abs(value))) - 1, 0)
        return f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".") if digits else str(round(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    text = str(value)
    return text if text.replace("_", "").isalnum() else json.dumps(text)


def written_value(value: Any) -> Any:
    """A value as the rendered profile holds it: numbers rounded as :func:`render_value` writes them."""
    if isinstance(value, float):
        shown = render_value(value)
        return None if shown == "null" else float(shown)
    if isinstance(value, (list, tuple)):
        return [written_value(item) for item in value]
    return value


def similar_channel(name: str, base: Scenario) -> str:
    """The base channel a new export channel most resembles (by its name), for copied assumptions."""
    names = [channel.name for channel in base.channels]
    for words, candidate in SIMILAR_CHANNEL_WORDS:
        if candidate in names and any(word in name for word in words):
            return candidate
    marketing = [channel.name for channel in base.channels if channel.marketing_sourced]
    return marketing[0] if marketing else names[0]


def _ci(estimate: Estimate) -> str:
    if math.isnan(estimate.ci_low):
        return ""
    return f" (95% CI {render_value(float(estimate.ci_low))}-{render_value(float(estimate.ci_high))})"


def _from(estimate: Estimate) -> str:
    return estimate.comment + _ci(estimate)


def _stage_mix(shares: dict[str, Estimate]) -> dict[str, float]:
    """Shares rounded to 3 decimals that still sum to exactly 1 (the schema checks it)."""
    rounded = {stage: round(estimate.value, 3) for stage, estimate in shares.items()}
    largest = max(rounded, key=lambda stage: rounded[stage])
    rounded[largest] = round(1 - sum(value for stage, value in rounded.items() if stage != largest), 3)
    return rounded


def direct_settings(estimates: ExportEstimates, base: Scenario) -> tuple[list[Setting], list[str]]:
    """Settings the export shows directly, and notes on what it could not show."""
    settings: list[Setting] = []
    notes: list[str] = list(estimates.notes)
    in_export = {channel.name for channel in estimates.channels}
    base_names = [channel.name for channel in base.channels]
    for channel in estimates.channels:
        prefix = f"channels.{channel.name}"
        if channel.name not in base_names:
            source = similar_channel(channel.name, base)
            notes.append(f"channel {channel.name} is not in the base: its {', '.join(COPIED_CHANNEL_FIELDS)} are copied from {source}")
            dumped = base.channel(source).model_dump(mode="json")
            for key in COPIED_CHANNEL_FIELDS:
                for path, value in _leaves(dumped[key], f"{prefix}.{key}"):
                    settings.append(Setting(path, value, f"assumption: copied from {source}"))
        settings.append(Setting(f"{prefix}.leads_per_week", round(channel.leads_per_week.value, 3), _from(channel.leads_per_week)))
        settings.append(Setting(f"{prefix}.weekday_profile", channel.weekday_profile, f"calibrated: {channel.profile_basis}, n={channel.leads}"))
        settings.append(Setting(f"{prefix}.hour_profile", channel.hour_profile, f"calibrated: {channel.profile_basis}, n={channel.leads}"))
        if channel.monthly_seasonality is not None:
            settings.append(Setting(f"{prefix}.monthly_seasonality", channel.monthly_seasonality,
                                    f"calibrated: creation months of {channel.name} leads, n={channel.leads}"))
        elif channel.name in base_names and base.channel(channel.name).monthly_seasonality is not None:
            settings.append(Setting(f"{prefix}.monthly_seasonality", None,
                                    "calibrated: the export covers less than a year, so the volume is its "
                                    f"average; no seasonality on top, n={channel.leads}"))
        if channel.stage_mix is not None:
            mix = _stage_mix(channel.stage_mix)
            for stage, share in mix.items():
                settings.append(Setting(f"{prefix}.stage_mix.{stage}", share, _from(channel.stage_mix[stage])))
    for name in base_names:
        if name not in in_export:
            settings.append(Setting(f"channels.{name}.leads_per_week", 0.0,
                                    f"calibrated: no {name} leads in the export, n=0"))
    if estimates.cycle_days is not None:
        mean, cv = estimates.cycle_days
        settings += [
            Setting("conversion.sales_cycle_days.distribution", "lognormal", mean.comment),
            Setting("conversion.sales_cycle_days.mean", mean.value, _from(mean)),
            Setting("conversion.sales_cycle_days.cv", cv, mean.comment),
        ]
    else:
        notes.append("sales cycle not estimated: fewer than 2 won leads with a cycle length (left at the base value)")
    if estimates.deal_value is not None:
        mean, cv = estimates.deal_value
        settings += [
            Setting("conversion.deal_value.distribution", "lognormal", mean.comment),
            Setting("conversion.deal_value.mean", mean.value, _from(mean)),
            Setting("conversion.deal_value.cv", cv, mean.comment),
        ]
    else:
        notes.append("deal value not estimated: no amounts of won leads (left at the base value)")
    if estimates.max_attempts is not None:
        settings.append(Setting("sales.max_attempts", max(1, math.ceil(estimates.max_attempts.value)), _from(estimates.max_attempts)))
    else:
        notes.append("sales.max_attempts not estimated: fewer than 20 leads with contact attempts (left at the base value)")
    if estimates.calendar is not None:
        work = estimates.calendar
        why = f"calibrated: times of first contacts (days >= 10 % of the busiest, hours 1st-99th percentile), n={work.n}"
        settings += [
            Setting("calendar.work_days", list(work.work_days), why),
            Setting("calendar.start_hour", work.start_hour, why),
            Setting("calendar.end_hour", work.end_hour, why),
        ]
    else:
        notes.append("sales calendar not estimated: fewer than 50 first contacts (left at the base value)")
    if estimates.reps is not None:
        settings.append(Setting("sales.reps", max(1, int(estimates.reps.value)), estimates.reps.comment))
    else:
        notes.append("sales.reps not estimated: no owner column (left at the base value)")
    return settings, notes


def _leaves(value: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{prefix}.{key}")]
    return [(prefix, value)]


def extends_path(base_file: Path, out_dir: Path) -> str:
    """The base as seen from the output folder: relative when possible, else absolute."""
    base_file, out_dir = base_file.resolve(), out_dir.resolve()
    try:
        relative = Path(os.path.relpath(base_file, out_dir))
    except ValueError:  # another drive on Windows
        return base_file.as_posix()
    # A path climbing far up breaks as soon as the folder moves; absolute is clearer then.
    return relative.as_posix() if relative.parts.count("..") <= MAX_CLIMB else base_file.as_posix()


def _settings_tree(
    settings: Sequence[Setting],
) -> tuple[dict[str, Any], dict[tuple[str, ...], str], list[str]]:
    """The settings nested by key path, each leaf's comment, and the channels in first-mention order."""
    tree: dict[str, Any] = {}
    comments: dict[tuple[str, ...], str] = {}
    channel_order: list[str] = []
    for setting in settings:
        parts = tuple(setting.path.split("."))
        if parts[0] == "channels" and parts[1] not in channel_order:
            channel_order.append(parts[1])
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = setting.value
        comments[parts] = setting.comment
    return tree, comments, channel_order


def settings_layer(settings: Sequence[Setting], description: str, source: str) -> Layer:
    """The profile's own values as a layer on its base: what :func:`render_scenario` writes, in memory."""
    tree, comments, channel_order = _settings_tree(settings)
    data: dict[str, Any] = {"description": description}
    for key, value in tree.items():
        if key == "channels":
            data[key] = [{"name": channel, **_written_tree(value[channel])} for channel in channel_order]
        else:
            data[key] = _written_tree(value)
    return Layer(data, source, {path: comment.replace("\n", " ") for path, comment in comments.items()})


def _written_tree(node: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _written_tree(value) if isinstance(value, dict) else written_value(value) for key, value in node.items()
    }


def render_scenario(
    settings: Sequence[Setting], extends: str, name: str, header: Sequence[str], description: str
) -> str:
    """The calibrated scenario as YAML text, each value with its comment."""
    tree, comments, channel_order = _settings_tree(settings)
    out = [f"# {line}" if line else "#" for line in header]
    out += [f"name: {render_value(name)}", f"description: {json.dumps(description)}", f"extends: {json.dumps(extends)}", ""]
    for key, value in tree.items():
        if key == "channels":
            out.append("channels:")
            for channel in channel_order:
                out.append(f"  - name: {channel}")
                out += _render_mapping(value[channel], ("channels", channel), comments, 4)
        else:
            out.append(f"{key}:")
            out += _render_mapping(value, (key,), comments, 2)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _render_mapping(node: dict[str, Any], path: tuple[str, ...], comments: dict[tuple[str, ...], str], indent: int) -> list[str]:
    lines = []
    pad = " " * indent
    for key, value in node.items():
        here = (*path, key)
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines += _render_mapping(value, here, comments, indent + 2)
        else:
            comment = comments.get(here, "").replace("\n", " ")
            lines.append(f"{pad}{key}: {render_value(value)}" + (f"  # {comment}" if comment else ""))
    return lines
