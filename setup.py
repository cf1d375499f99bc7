"""Build hook: copy the top-level scenarios/ and notebooks/ into the wheel as sim/_bundled/.

Everything else is declared in pyproject.toml. The folders stay at the top of the repository
(the user's layout); sim.bundled finds the packaged copy with importlib.resources.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("scenarios", "notebooks")


class BuildPyWithBundledData(build_py):
    """build_py that also ships the bundled scenario library and notebooks."""

    def run(self) -> None:
        super().run()
        here = Path(__file__).resolve().parent
        for name in BUNDLED:
            target = Path(self.build_lib) / "sim" / "_bundled" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                here / name, target,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildPyWithBundledData})
