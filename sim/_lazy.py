"""Lazy re-exports for package ``__init__`` files (PEP 562), so importing a package stays cheap.

``leadsim --help`` and ``leadsim validate`` must start fast: a package re-exports its public
names from submodules, but a submodule (and pandas, scipy, SimPy behind it) is imported only
when one of its names is first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], list[str]]:
    """``__getattr__`` and ``__all__`` for ``package``; ``exports`` maps a name to its submodule."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__, sorted(exports)


class _ModuleOnFirstUse:
    """Stands for a module and imports it when one of its attributes is first used."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy_module(name: str) -> Any:
    """``name`` as an object that imports the module on first attribute access.

    The CLI binds pandas, SciPy and the experiment machinery this way, so ``leadsim --help`` and
    ``leadsim validate`` never import them (nothing enters ``sys.modules`` before first use).
    """
    return _ModuleOnFirstUse(name)
