"""The README's tour runs as written (each ```python block, in order, in one namespace)."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    out = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    # the printed relative error is the one the README states; the frame-averaging block
    # prints that the backbone moves and its average does not
    assert out.getvalue().split() == ["5.7e-03", "True", "True"]


def test_readme_states_the_two_commands():
    text = README.read_text()
    assert 'pip install ".[validate]" && refimpl validate --quick' in text
    assert 'pip install -e ".[test]" && pytest' in text
