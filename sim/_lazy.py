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
