"""Issue 17 items 3, 6 and 8: small hostile inputs are refused at load time, quickly, in bounded memory."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest
from safety_helpers import assert_clean_refusal, run_bounded

from sim.scenario.limits import MAX_FILE_BYTES

VALID_TAIL = "channels:\n  - name: web_inquiry\n    leads_per_week: 10\n"


def alias_bomb(levels: int = 9) -> str:
    """The 382-byte "billion laughs": nine levels of nine aliases each (9**9 values)."""
    names = "abcdefghijklmnop"[:levels]
    lines = [f"{names[0]}: &{names[0]} [x,x,x,x,x,x,x,x,x]"]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def write_diamond(folder: Path, levels: int, *, same_parent_twice: bool) -> Path:
    """Each level's files extend the next level twice: 2**levels paths to the bottom file."""
    for level in range(levels + 1):
        for side in "ab":
            if level == levels:
                body = VALID_TAIL
            elif same_parent_twice:
                body = f"extends: [l{level + 1}a.yaml, l{level + 1}a.yaml]\n"
            else:
                body = f"extends: [l{level + 1}a.yaml, l{level + 1}b.yaml]\n"
            (folder / f"l{level}{side}.yaml").write_text(body)
    return folder / "l0a.yaml"


def _timed(*args: str, cwd: Path) -> tuple[float, object]:
    started = time.monotonic()
    outcome = run_bounded(*args, cwd=cwd, timeout=120)
    return time.monotonic() - started, outcome


def test_the_alias_bomb_exits_2_quickly_in_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(alias_bomb())
    assert len(alias_bomb()) < 400
    seconds, outcome = _timed("validate", "bomb.yaml", cwd=tmp_path)
    assert_clean_refusal(outcome, "bomb.yaml:", "expands to more than")
    assert seconds < 60  # unbounded: minutes (bomb), 2**22 loads (diamond)


def set_alias_bomb(levels: int = 9) -> str:
    """The same bomb as one flow value: ``[&a [x,…], &b [*a,…], &c [*b,…], …]``."""
    names = "abcdefghijklmnop"[:levels]
    items = [f"&{names[0]} [x,x,x,x,x,x,x,x,x]"]
    for previous, name in itertools.pairwise(names):
        items.append(f"&{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "[" + ", ".join(items) + "]"


def test_the_alias_bomb_through_set_exits_2(tmp_path: Path, fixtures_dir: Path) -> None:
    seconds, outcome = _timed("validate", str(fixtures_dir / "minimal.yaml"), "--set",
                              f"description={set_alias_bomb()}", cwd=tmp_path)
    assert_clean_refusal(outcome, "--set description=", "expands to more than")
    assert seconds < 60  # unbounded: minutes (bomb), 2**22 loads (diamond)


def test_the_extends_diamond_exits_2_quickly(tmp_path: Path) -> None:
    top = write_diamond(tmp_path, 22, same_parent_twice=False)
    seconds, outcome = _timed("validate", top.name, cwd=tmp_path)
    assert_clean_refusal(outcome, "extends", "more than 16 files deep")
    assert seconds < 60  # unbounded: minutes (bomb), 2**22 loads (diamond)


def test_a_parent_named_twice_is_refused(tmp_path: Path) -> None:
    top = write_diamond(tmp_path, 22, same_parent_twice=True)
    outcome = run_bounded("validate", top.name, cwd=tmp_path)
    assert_clean_refusal(outcome, "l0a.yaml:1", "more than once")


def test_a_shallow_diamond_loads_each_file_once(tmp_path: Path, monkeypatch) -> None:
    from sim.scenario import loader

    top = write_diamond(tmp_path, 12, same_parent_twice=False)  # 2**12 paths without memoising
    reads: list[Path] = []
    original = loader._parsed_file
    monkeypatch.setattr(loader, "_parsed_file", lambda path: reads.append(path) or original(path))
    loader.load_scenario(top)
    assert len(reads) == len(set(reads)) == 2 * 12 + 1


@pytest.mark.parametrize("where", ["file", "set"])
def test_deep_nesting_exits_2(tmp_path: Path, fixtures_dir: Path, where: str) -> None:
    nested = "[" * 300 + "]" * 300
    if where == "file":
        (tmp_path / "deep.yaml").write_text(f"description: {nested}\n" + VALID_TAIL)
        outcome = run_bounded("validate", "deep.yaml", cwd=tmp_path)
        assert_clean_refusal(outcome, "deep.yaml:1:", "nested more than")
    else:
        outcome = run_bounded("validate", str(fixtures_dir / "minimal.yaml"), "--set",
                              f"description={nested}", cwd=tmp_path)
        assert_clean_refusal(outcome, "--set", "nested more than")


def test_a_self_referencing_alias_in_set_exits_2(tmp_path: Path, fixtures_dir: Path) -> None:
    outcome = run_bounded("validate", str(fixtures_dir / "minimal.yaml"), "--set",
                          "description=&a [*a]", cwd=tmp_path)
    assert_clean_refusal(outcome, "refers to itself")


@pytest.mark.parametrize("where", ["file", "set"])
def test_an_integer_of_5000_digits_exits_2(tmp_path: Path, fixtures_dir: Path, where: str) -> None:
    digits = "9" * 5000
    if where == "file":
        (tmp_path / "big.yaml").write_text(VALID_TAIL + f"sales:\n  reps: {digits}\n")
        outcome = run_bounded("validate", "big.yaml", cwd=tmp_path)
        assert_clean_refusal(outcome, "big.yaml:5:", "5,000 characters")
    else:
        outcome = run_bounded("validate", str(fixtures_dir / "minimal.yaml"), "--set",
                              f"sales.reps={digits}", cwd=tmp_path)
        assert_clean_refusal(outcome, "5,000 characters")
    assert len(outcome.err) < 600


def test_megabytes_of_unknown_keys_are_refused_by_size(tmp_path: Path) -> None:
    with (tmp_path / "huge.yaml").open("w") as stream:
        stream.write(VALID_TAIL)
        stream.writelines(f"key_{index}: 1\n" for index in range(MAX_FILE_BYTES // 8))
    seconds, outcome = _timed("validate", "huge.yaml", cwd=tmp_path)
    assert_clean_refusal(outcome, "huge.yaml", f"{MAX_FILE_BYTES:,} bytes")
    assert seconds < 60  # unbounded: minutes (bomb), 2**22 loads (diamond)


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/tmp", "is a directory"), ("/dev/zero", "not a regular file"), ("missing.yaml", "not found")],
)
def test_extends_to_a_directory_or_device_says_what_it_is(
    tmp_path: Path, cli, workdir: Path, target: str, expected: str
) -> None:
    (workdir / "child.yaml").write_text(f"extends: {target}\n")
    outcome = cli("validate", "child.yaml")
    assert_clean_refusal(outcome, "child.yaml:1", expected)


def test_an_error_in_a_foreign_file_quotes_only_a_little_of_it(workdir: Path, cli) -> None:
    (workdir / "long.txt").write_text("root:x:0:0:root:/root:/bin/bash\n" * 2000)
    (workdir / "child.yaml").write_text("extends: long.txt\n")
    outcome = cli("validate", "child.yaml")
    assert_clean_refusal(outcome, "long.txt:1:1")
    assert len(outcome.err) < 500


def test_a_directory_symlink_loop_gives_a_short_message(workdir: Path, cli) -> None:
    (workdir / "loop").symlink_to(workdir / "loop")
    deep = "/".join(["loop"] * 200) + "/parent.yaml"
    (workdir / "child.yaml").write_text(f"extends: {deep}\n")
    outcome = cli("validate", "child.yaml")
    assert_clean_refusal(outcome, "child.yaml:1")
    assert len(outcome.err) < 800


def test_a_fifo_as_scenario_or_parent_does_not_hang(workdir: Path) -> None:
    os.mkfifo(workdir / "pipe.yaml")
    (workdir / "child.yaml").write_text("extends: pipe.yaml\n")
    outcome = run_bounded("validate", "pipe.yaml", "child.yaml", cwd=workdir, timeout=120)
    assert_clean_refusal(outcome, "pipe.yaml: scenario file is not a regular file", "child.yaml:1")
