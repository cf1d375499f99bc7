"""Every command of the ```bash blocks of README.md and docs/cli.md runs and exits 0 – read from the docs.

The commands are parsed out of the two files on every run, so an example that stops working (or a
new one that never did) fails here instead of in front of a reader. Each runs as the reader would
type it, from the project folder, made cheap only by settings that shorten a run: fewer
replications (``-r``), the fewest sampled worlds ``--samples`` accepts, a two-week horizon
(``--set horizon…``), a short calibration fit, and outputs and the result cache in a temporary
folder. ``make report`` runs the Makefile's own recipe that way; ``make test`` and
``make test-fast`` run this module, so they are left out.
"""

from __future__ import annotations

import glob
import importlib
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import typer

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CLI_DOC = ROOT / "docs" / "cli.md"
DOCS = (README, CLI_DOC)
MAKEFILE = ROOT / "Makefile"
# make targets that are not run: the test suite would run itself
NOT_RUN = {
    "test": "make test runs the whole suite, this module included",
    "test-fast": "make test-fast runs the quick lane, this module included",
}
REPLICATIONS = "2"  # the fewest that give a paired confidence interval (robustness needs 2)
SAMPLES = "16"  # the fewest worlds robustness accepts for a Latin hypercube
# a calibration fit of a few short simulations (the full fit is tested in tests/calibrate)
SHORT_FIT = ("--fit-days", "14", "--fit-evaluations", "3", "--fit-replications", "2", "--check-replications", "2")
# Commands that take a minute or more even with cheap settings (many lever combinations, sampled
# worlds, a notebook): marked slow, so make test runs them and make test-fast leaves them out.
SLOW_COMMANDS = {"report", "attribute", "portfolio", "robustness"}
PERMUTATIONS = "2"  # attribute: one antithetic pair of lever orders instead of the default 8
SHORT_HORIZON = (
    "--set", "horizon.warmup_days=0", "--set", "horizon.measurement_days=14", "--set", "horizon.drain_cap_days=14",
)
TIMEOUT_SECONDS = 900


def readme_commands(text: str) -> list[str]:
    """The command lines of the ```bash blocks: continuation lines joined, comment-only lines dropped."""
    commands = []
    for block in re.findall(r"^```bash[ \t]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        joined = re.sub(r"[ \t]*\\\n[ \t]*", " ", block)
        for line in joined.splitlines():
            if shlex.split(line, comments=True):
                commands.append(line.strip())
    return commands


def make_recipe(target: str) -> list[list[str]]:
    """The recipe lines of a Makefile target, with ``$(BIN)`` as the Makefile defines it."""
    text = MAKEFILE.read_text(encoding="utf-8")
    variables = dict(re.findall(r"^(\w+)\s*:=\s*(.*?)\s*$", text, flags=re.MULTILINE))
    recipe = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", text, flags=re.MULTILINE)
    assert recipe, f"Makefile has no recipe for '{target}'"
    lines = []
    for line in recipe.group(1).splitlines():
        for _ in range(3):  # $(BIN) is defined through $(VENV)
            line = re.sub(r"\$\((\w+)\)", lambda match: variables[match.group(1)], line)
        lines.append(shlex.split(line.strip()))
    return lines


def command_options() -> dict[str, set[str]]:
    """Each ``leadsim`` sub-command and its option names, from the CLI itself."""
    app = importlib.import_module("sim.cli.main").app
    group = typer.main.get_command(app)
    return {name: {opt for param in command.params for opt in param.opts} for name, command in group.commands.items()}  # type: ignore[attr-defined]


def _set_option(argv: list[str], names: Sequence[str], value: str) -> list[str]:
    """``argv`` with the option ``names`` given ``value`` (replaced where written, else appended)."""
    out, index, found = [], 0, False
    while index < len(argv):
        if argv[index] in names and index + 1 < len(argv):
            out += [argv[index], value]
            index, found = index + 2, True
            continue
        out.append(argv[index])
        index += 1
    return out if found else [*out, names[0], value]


def leadsim_executable() -> list[str]:
    """The venv's ``leadsim`` (what the README calls), else the same program as ``python -m sim``."""
    script = Path(sys.executable).parent / "leadsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def cheap(argv: list[str], folder: Path, options: dict[str, set[str]]) -> list[str]:
    """A README command as it is run here: cheaper settings, outputs and cache under ``folder``."""
    assert argv[0].endswith("leadsim"), argv
    command, rest = argv[1], argv[2:]
    known = options[command]
    expanded: list[str] = []
    for word in rest:  # the shell would expand scenarios/*.yaml
        matches = sorted(glob.glob(word, root_dir=ROOT)) if any(c in word for c in "*?[") else [word]
        assert matches, f"{word} matches no file"
        expanded += matches
    if command == "workshop":
        # Serving the page and answering 200 is tested by tests/workshop/test_workshop_server.py (and
        # --lan by test_workshop_lan.py), both through this command; here: the README's options parse.
        return [*leadsim_executable(), command, *expanded, "--help"]
    if "--replications" in known:
        expanded = _set_option(expanded, ["-r", "--replications"], REPLICATIONS)
    if "--permutations" in known:
        expanded = _set_option(expanded, ["--permutations"], PERMUTATIONS)
    if "--samples" in known and ("--samples" in expanded or "-n" in expanded):
        expanded = _set_option(expanded, ["--samples", "-n"], SAMPLES)
    if "--set" in known:
        expanded += SHORT_HORIZON
    if "--out" in known:
        expanded = _set_option(expanded, ["-o", "--out"], str(folder / "out"))
    if "--cache-dir" in known:
        expanded = _set_option(expanded, ["--cache-dir"], str(folder.parent / "cache"))
    if command == "calibrate":
        expanded += SHORT_FIT
    if command == "report":
        # The lever attribution (≈ 110 lever subsets at the full year) is what makes make report
        # take 11-15 minutes; the same attribution runs here as README's `leadsim attribute`.
        expanded += ["--no-levers", "--no-cache", "--workers", "2"]
    return [*leadsim_executable(), command, *expanded]


def runnable(line: str) -> list[list[str]]:
    """The argv lists one README line stands for (a make target: its recipe), empty when not run."""
    argv = shlex.split(line, comments=True)
    if argv[0] == "make":
        target = argv[1]
        return [] if target in NOT_RUN else make_recipe(target)
    return [argv]


DOC_COMMANDS = {doc: readme_commands(doc.read_text(encoding="utf-8")) for doc in DOCS}
COMMANDS = [line for doc in DOCS for line in DOC_COMMANDS[doc]]
# each distinct command once (a command shown twice runs once), in the order README, docs/cli.md
RUN = list({tuple(shlex.split(line, comments=True)): line for line in reversed(COMMANDS) if runnable(line)}.values())[::-1]


@pytest.mark.parametrize("doc", DOCS, ids=[doc.name for doc in DOCS])
def test_the_docs_show_commands_and_each_is_run_or_left_out_for_a_reason(doc: Path):
    commands = DOC_COMMANDS[doc]
    assert len(commands) >= 10, commands
    for line in commands:
        argv = shlex.split(line, comments=True)
        assert argv[0] == "make" or argv[0].endswith("leadsim"), f"{doc.name}: not a command this test knows how to run: {line}"
        if argv[0] == "make":
            assert argv[1] in NOT_RUN or make_recipe(argv[1]), line


def test_the_readme_shows_the_two_commands_first():
    assert DOC_COMMANDS[README][:2] == [
        "make report   # set-up on first use, then a comparison report of the bundled org setups → reports/<date>_…/report.html",
        "make test     # set-up on first use, then the whole test suite (what CI runs)",
    ]


def test_docs_cli_shows_every_command_of_the_cli():
    shown = {shlex.split(line, comments=True)[1] for line in DOC_COMMANDS[CLI_DOC] if line.startswith(".venv/bin/leadsim")}
    assert shown == set(command_options()), "docs/cli.md should show an example of every leadsim command"


def test_commands_are_read_from_the_readme_with_continuations_and_comments():
    text = "x\n```bash\nmake report   # a comment\n# only a comment\n.venv/bin/leadsim run a.yaml \\\n    --seed 1\n```\n```\nnot bash\n```\n"
    assert readme_commands(text) == ["make report   # a comment", ".venv/bin/leadsim run a.yaml --seed 1"]


def _run_parameter(line: str) -> object:
    """A command line as a test parameter, marked slow when it runs one of ``SLOW_COMMANDS``."""
    slow = any(argv[0].endswith("leadsim") and argv[1] in SLOW_COMMANDS for argv in runnable(line) if len(argv) > 1)
    return pytest.param(line, marks=[pytest.mark.slow] if slow else [], id=shlex.join(shlex.split(line, comments=True)))


@pytest.mark.parametrize("line", [_run_parameter(line) for line in RUN])
def test_readme_command_exits_0(line: str, tmp_path_factory: pytest.TempPathFactory):
    options = command_options()
    for argv in runnable(line):
        folder = tmp_path_factory.mktemp("readme")
        command = cheap(argv, folder, options)
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT_SECONDS, check=False,
        )
        assert result.returncode == 0, f"{line}\nran: {shlex.join(command)}\n{result.stderr[-3000:]}"
        assert "Traceback" not in result.stderr


def readme_python_blocks(text: str) -> list[str]:
    """The ```python blocks of the README, as written."""
    return re.findall(r"^```python[ \t]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def cheap_python(code: str) -> str:
    """A README Python example with two replications and a two-week horizon, as the commands get."""
    overrides = ", ".join(repr(setting) for setting in SHORT_HORIZON[1::2])
    cheaper = re.sub(r"replications=\d+", f"replications={REPLICATIONS}", code)
    cheaper = re.sub(r"load_scenario\(([^()]*)\)", rf"load_scenario(\1, overrides=[{overrides}])", cheaper)
    assert cheaper != code, "the example no longer has replications or load_scenario to make cheap"
    return cheaper


PYTHON_BLOCKS = readme_python_blocks(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", PYTHON_BLOCKS, ids=[f"python-{i}" for i in range(len(PYTHON_BLOCKS))])
def test_readme_python_example_runs(code: str) -> None:
    assert PYTHON_BLOCKS, "the README shows no Python example"
    result = subprocess.run(
        [sys.executable, "-c", cheap_python(code)], cwd=ROOT, capture_output=True, text=True,
        encoding="utf-8", timeout=TIMEOUT_SECONDS, check=False,
    )
    assert result.returncode == 0, f"{cheap_python(code)}\n{result.stderr[-3000:]}"
