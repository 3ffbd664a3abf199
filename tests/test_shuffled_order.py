"""CI runs the tests in a shuffled order (pytest-randomly); a notebook's cells still run in order.

Checked on the real collection (``--collect-only``, no server): the order of the tests changes with
the seed, while every notebook's cells stay together and in cell order (conftest.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _collected(*args: str) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True).stdout
    return [line for line in out.splitlines() if "::" in line]


def test_cells_keep_their_order_while_the_tests_are_shuffled() -> None:
    runs = {
        seed: _collected(
            "tests/test_pairing_and_wait.py",
            "notebooks",
            "--nbval-lax",
            "-p",
            "randomly",
            f"--randomly-seed={seed}",
        )
        for seed in (1, 2)
    }
    for items in runs.values():
        cells = [i for i in items if ".ipynb::" in i]
        tests = [i for i in items if ".ipynb::" not in i]
        assert len(cells) > 40 and len(tests) > 20
        assert items[-len(cells) :] == cells  # the notebooks run after the tests
        books = [c.split("::")[0] for c in cells]
        # each notebook's cells stand together, numbered 0, 1, 2, ...
        assert len({b for b in books}) == len([b for i, b in enumerate(books) if i == 0 or books[i - 1] != b])
        for book in set(books):
            numbers = [int(re.sub(r"\D", "", c.split("::")[-1])) for c in cells if c.startswith(book + "::")]
            assert numbers == list(range(len(numbers))), book
    # the tests themselves are shuffled, differently for each seed, and differ from file order
    in_file_order = _collected("tests/test_pairing_and_wait.py", "-p", "no:randomly")
    shuffled = [[i for i in items if ".ipynb::" not in i] for items in runs.values()]
    assert sorted(shuffled[0]) == sorted(in_file_order)
    assert shuffled[0] != shuffled[1] and in_file_order not in shuffled
