"""A scenario plus some changes as one in-memory value: file, overlays in merge order, name, overrides.

Attribution subsets, lever-ranking setups, the workshop's cheapest way and calibration drafts are
each "this scenario file, these lever overlays on top, these values changed". A
:class:`ScenarioSpec` says exactly that and resolves through the loader into the same
:class:`~sim.scenario.records.ResolvedScenario` (values, provenance by file and line) that a
composition file ``extends: [file, *overlays]`` with ``name:`` would give, without writing one.
Parsed files are cached per process by content, so composing a hundred subsets parses each file
once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sim.scenario.loader import resolve_composition
from sim.scenario.overrides import SPEC_SOURCE, Layer, Override, as_overrides

__all__ = ["SPEC_SOURCE", "Layer", "ScenarioSpec"]

if TYPE_CHECKING:
    from sim.scenario.records import ResolvedScenario
    from sim.scenario.schema import Scenario

@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario file, overlays (files or a :class:`Layer`) merged on top in order, an optional name and overrides.

    Without overlays and name it is the file as ``leadsim run FILE`` loads it (its own title and
    name). With either, it is the composition ``extends: [file, *overlays]`` plus ``name:``: the
    title is dropped (a title names one file's setup) and the name is ``name``, else the file
    stems joined by ``+``.
    """

    file: Path
    overlays: tuple[Path | Layer, ...] = ()
    name: str | None = None
    overrides: tuple[Override, ...] = ()

    @classmethod
    def of(
        cls,
        file: str | os.PathLike[str],
        overlays: Iterable[str | os.PathLike[str] | Layer] = (),
        name: str | None = None,
        overrides: Iterable[str | Override] = (),
    ) -> ScenarioSpec:
        """A spec from paths (made absolute, as ``extends:`` names them) and overrides or ``--set`` texts."""
        return cls(
            _absolute(file),
            tuple(item if isinstance(item, Layer) else _absolute(item) for item in overlays),
            name,
            as_overrides(overrides),
        )

    @property
    def composed(self) -> bool:
        """Whether the spec is a composition (overlays or a name) rather than the file as written."""
        return bool(self.overlays) or self.name is not None

    def with_overrides(self, overrides: Iterable[str | Override]) -> ScenarioSpec:
        """The same spec with ``overrides`` applied after its own."""
        return replace(self, overrides=(*self.overrides, *as_overrides(overrides)))

    def resolve(self) -> ResolvedScenario:
        """Load, merge, override and validate; each value keeps its file and line."""
        name = self.name if self.name is not None or not self.composed else self.default_name()
        return resolve_composition(self.file, self.overlays, name, self.overrides)

    def load(self) -> Scenario:
        """The validated scenario."""
        return self.resolve().scenario

    def default_name(self) -> str:
        """The name of a composition without one: the file stems (and layer sources) joined by ``+``."""
        return "+".join(item.source if isinstance(item, Layer) else item.stem for item in (self.file, *self.overlays))


def _absolute(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(path))
