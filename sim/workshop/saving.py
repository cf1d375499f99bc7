"""Saving a workshop setup as a scenario file a consultant can report on.

"Save this setup" writes ``<scenario folder>/workshop/<name>.yaml``: it ``extends:`` the starting
file and holds only the keys the controls changed, each with a comment saying when it was set and
what it was before, plus the command that reproduces the workshop's figures. The file is written
under a temporary name, loaded back and compared with the edited setup, and only then linked to
its name, so a failure leaves nothing behind and no existing file is ever replaced.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.outputs import slug, write_new_file
from sim.scenario.loader import format_value, resolve_scenario
from sim.scenario.schema import Scenario
from sim.workshop.control_table import WorkshopError
from sim.workshop.controls import LEAD_VOLUME, REPS, control_words, parse_reps
from sim.workshop.session import Setup, describe_changes
from sim.workshop.values import same

SLUG_BYTES = 120
"""File names stay well below the 255-byte limit of common file systems (UTF-8 counts bytes)."""


@dataclass(frozen=True)
class SavedSetup:
    """A setup written as a scenario file, and how to reproduce the workshop's figures."""

    path: Path
    text: str
    command: str


def slugify(text: str) -> str:
    """A file name from a name typed on the page, Unicode kept: ``Évolution 2027`` → ``évolution-2027``."""
    return slug(text, fallback="", limit=SLUG_BYTES, separator="-", lower=True, reserved_suffix="setup")


def suggest_name(setup: Setup) -> str:
    """A file name from the starting file and the changed controls (``base-sla-1h-reps-12``)."""
    parts = [setup.start.file.stem]
    controls = setup.controls
    for name in setup.settings:
        value = controls[name]
        if name == REPS:
            parts.append(f"reps-{parse_reps(value)}")
        elif name == LEAD_VOLUME:
            parts.append(f"volume-{float(value):g}".replace(".", "-"))
        else:
            parts.append(f"{name}-{value}")
    return slugify("-".join(parts)) or "workshop-setup"


def setup_diff(start: Scenario, edited: Scenario) -> list[tuple[tuple[Any, ...], Any, Any]]:
    """Parameters that differ: (key path with channel names, old value, new value).

    A distribution (a mapping with ``distribution``) and a list count as one value.
    """
    old = start.model_dump(mode="json", exclude={"name", "title", "description"})
    new = edited.model_dump(mode="json", exclude={"name", "title", "description"})
    differences: list[tuple[tuple[Any, ...], Any, Any]] = []
    _diff(old, new, (), differences)
    return differences


def _diff(
    old: Any, new: Any, path: tuple[Any, ...], out: list[tuple[tuple[Any, ...], Any, Any]]
) -> None:
    if path == ("channels",) and isinstance(old, list) and isinstance(new, list):
        old_by_name = {item["name"]: item for item in old}
        for item in new:
            if item["name"] not in old_by_name:
                raise WorkshopError(f"cannot save a setup that adds channel {item['name']!r}")
            _diff(old_by_name[item["name"]], item, (*path, item["name"]), out)
        return
    if isinstance(old, dict) and isinstance(new, dict) and "distribution" not in new:
        for key in new:
            _diff(old.get(key), new[key], (*path, key), out)
        return
    if not same(old, new):
        out.append((path, old, new))


def render_setup_yaml(setup: Setup, name: str, file: Path, today: date | None = None) -> str:
    """The scenario file for ``setup``: ``extends:`` the starting file, then only changed keys."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    today = today or date.today()
    folder = file.parent
    start = setup.start.file
    extends = Path(os.path.relpath(start, folder)).as_posix()
    changes = describe_changes(setup)
    description = f"Workshop setup ({today.isoformat()}): {start.name} with " + "; ".join(
        f"{setup.start.table.title(name)} "
        f"{control_words(name, setup.controls[name], setup.start.table)}"
        for name in setup.settings
    )
    document = CommentedMap()
    document["extends"] = extends
    document["name"] = name
    document["description"] = description
    when = f"set in the workshop on {today.isoformat()}"
    comments: list[tuple[Any, Any, str, int]] = []
    for path, old, new in setup_diff(setup.start.scenario, setup.edited):
        node: Any = document
        rest = path
        if path[0] == "channels":
            channels = document.setdefault("channels", CommentedSeq())
            entry = next((item for item in channels if item.get("name") == path[1]), None)
            if entry is None:
                entry = CommentedMap([("name", path[1])])
                channels.append(entry)
            node, rest = entry, path[2:]
        for part in rest[:-1]:
            node = node.setdefault(part, CommentedMap())
        node[rest[-1]] = _yaml_value(new)
        width = 2 * (len(path) - 1) + len(str(rest[-1])) + 2 + len(format_value(new))
        comments.append((node, rest[-1], f"{when} (was {format_value(old)})", width))
    column = max((width for *_, width in comments), default=0) + 2
    for node, key, text, _ in comments:
        node.yaml_add_eol_comment(text, key, column=column)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096  # one line per key, so each key keeps its comment
    stream = io.StringIO()
    schema = next(
        (
            d / "schema.json"
            for d in (start.parent, start.parent.parent)
            if (d / "schema.json").is_file()
        ),
        None,
    )
    if schema is not None:
        stream.write(
            f"# yaml-language-server: $schema={Path(os.path.relpath(schema, folder)).as_posix()}\n"
        )
    stream.write(
        f"# Saved in the leadsim workshop on {today.isoformat()}: {extends} with these changes\n"
    )
    for line in changes:
        stream.write(f"#   {line}\n")
    stream.write("# Only the keys below differ from the starting file. The workshop's figures:\n")
    stream.write(f"#   {reproduce_command(file, setup)}\n")
    yaml.dump(document, stream)
    return stream.getvalue()


def _yaml_value(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dict):
        mapping = CommentedMap(
            (k, _yaml_value(v)) for k, v in value.items() if not (k == "cv" and v is None)
        )
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(value)
        sequence.fa.set_flow_style()
        return sequence
    return value


def reproduce_command(file: Path, setup: Setup) -> str:
    """``leadsim run FILE`` with the workshop's replications, seed and horizon."""
    shown = shown_path(file)
    parts = [
        "leadsim run",
        shown,
        f"--replications {setup.run.replications}",
        f"--seed {setup.run.seed}",
    ]
    parts.extend(f"--set {text}" for text in setup.start.horizon_overrides)
    return " ".join(parts)


def shown_path(path: Path) -> str:
    """A path as a command line in the current folder would name it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)


def save_setup(
    setup: Setup, folder: str | os.PathLike[str], name: str = "", today: date | None = None
) -> SavedSetup:
    """Write ``setup`` to ``folder/<slug>.yaml``; never overwrite (``-2``, ``-3``… appended).

    The file is written through :func:`sim.outputs.write_new_file`: to a temporary name, checked
    (it must load and give exactly the edited scenario) and only then linked to its name, which
    fails instead of overwriting if the name was taken meanwhile; so a failure leaves no file
    behind and no file is replaced.
    """
    if not setup.changed:
        raise WorkshopError(
            f"nothing to save: this setup is the same as {setup.start.file.name} – "
            "change a lever first"
        )
    slug = slugify(name) or suggest_name(setup)
    target_folder = Path(folder)
    try:
        target_folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorkshopError(f"cannot create {target_folder}: {error.strerror or error}") from None
    for suffix in range(1, 1000):
        candidate = target_folder / (f"{slug}.yaml" if suffix == 1 else f"{slug}-{suffix}.yaml")
        if candidate.exists():
            continue
        text = render_setup_yaml(setup, candidate.stem, candidate, today)
        try:
            written = write_new_file(
                candidate, text.encode("utf-8"), check=lambda temporary: _check_saved(temporary, setup)
            )
        except OSError as error:
            raise WorkshopError(f"cannot write {candidate}: {error.strerror or error}") from None
        if not written:
            continue  # taken between the check and now: try the next name
        return SavedSetup(candidate, text, reproduce_command(candidate, setup))
    raise WorkshopError(f"cannot find a free file name for {slug} in {target_folder}")


def _check_saved(path: Path, setup: Setup) -> None:
    """The written file must load and give exactly the edited scenario (labels aside)."""
    from sim.experiment.cache import scenario_content_hash

    try:
        saved = resolve_scenario(path).scenario
    except ScenarioError as error:  # a bug here, never the user's input
        raise WorkshopError(f"the saved setup does not load: {error}") from error
    if scenario_content_hash(saved) != scenario_content_hash(setup.edited):
        differences = [".".join(map(str, p)) for p, _, _ in setup_diff(setup.edited, saved)]
        raise WorkshopError(
            f"the saved setup differs from the workshop's in: {', '.join(differences)}"
        )
