"""Packaging: the package list matches the tree, and a wheel ships refimpl.backends and
refimpl.validation (with claims and READMEs) but no top-level `backends`/`validation`."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tomllib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MAPPING = {"refimpl": "refimpl", "refimpl.backends": "backends", "refimpl.validation": "validation"}


def _packages_on_disk() -> set[str]:
    found = set()
    for prefix, folder in MAPPING.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if "__pycache__" in rel.parts:
                continue
            parts = [p for p in rel.parts if p]
            found.add(".".join([prefix, *parts]))
    # refimpl/backends or refimpl/validation must not also exist as real folders
    return found


def test_package_list_matches_tree():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == _packages_on_disk()
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == MAPPING


def test_every_validation_folder_is_complete():
    folders = [p for p in (ROOT / "validation").iterdir() if (p / "claims.toml").exists()]
    assert folders, "no validation folders found"
    for folder in folders:
        for name in ("reproduce.py", "README.md", "__init__.py"):
            assert (folder / name).exists(), f"{folder.name}/{name} is missing"
        claims = tomllib.loads((folder / "claims.toml").read_text())
        assert claims.get("paper"), f"{folder.name}/claims.toml has no paper"
        assert claims.get("claim"), f"{folder.name}/claims.toml has no [[claim]]"


def test_runtime_dependencies_are_the_agreed_four():
    deps = {
        d.split(">")[0].split("=")[0].split("<")[0].strip()
        for d in PYPROJECT["project"]["dependencies"]
    }
    assert deps == {"numpy", "scipy", "array-api-compat", "array-api-extra"}


def test_wheel_contents(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("refimpl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "refimpl/backends/__init__.py" in names
    assert "refimpl/backends/_numba_compat.py" in names
    assert "refimpl/validation/hilbert_kk/reproduce.py" in names
    assert "refimpl/validation/hilbert_kk/claims.toml" in names
    assert "refimpl/validation/hilbert_kk/README.md" in names
    assert "refimpl/backends/_koopman_numba.py" in names
    # recorded rows that a validation script plots (koopman paper-size Duffing study)
    assert "refimpl/validation/koopman/paper_size_rows.json" in names
    assert "refimpl/py.typed" in names
    top = {n.split("/")[0] for n in names}
    assert "backends" not in top
    assert "validation" not in top
    assert "tests" not in top
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "refimpl = refimpl.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
