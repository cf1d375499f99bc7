"""Where the bundled scenario library and notebooks are: inside the wheel, or in a source checkout.

They live at the top of the repository (``scenarios/``, ``notebooks/``) and are copied into the
wheel as ``sim/_bundled/`` at build time (see ``setup.py``), so ``pip install leadsim`` followed by
``leadsim report`` works from any folder. ``importlib.resources`` finds the packaged copy; a
source checkout (editable install) falls back to the repository's own folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sim.errors import LeadsimError

BUNDLED_FOLDERS = ("scenarios", "notebooks")


def bundled_dir(name: str) -> Path:
    """The bundled ``scenarios`` or ``notebooks`` folder as a real path."""
    if name not in BUNDLED_FOLDERS:
        raise ValueError(f"unknown bundled folder {name!r}; one of {', '.join(BUNDLED_FOLDERS)}")
    packaged = resources.files("sim") / "_bundled" / name
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise LeadsimError(
        f"the bundled {name}/ folder is missing from this installation (looked in {packaged} and "
        f"{checkout}); reinstall leadsim"
    )


def scenarios_dir() -> Path:
    """The bundled scenario library (base.yaml, the org setups, levers/)."""
    return bundled_dir("scenarios")


def notebooks_dir() -> Path:
    """The bundled papermill notebooks."""
    return bundled_dir("notebooks")


def bundle_root() -> Path:
    """The folder holding both ``scenarios/`` and ``notebooks/`` (so "scenarios/x.yaml" resolves)."""
    return scenarios_dir().parent
