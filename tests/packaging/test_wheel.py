"""The wheel carries what an installed planalign needs: the package (with the Polars engine's
contracts.json), the repository's conf/ and dbt/ as planalign/_bundled/, and no local junk
(dbt's target/ and logs/, databases, caches). Building it without dependencies takes a few
seconds; .ci/run installs one into a fresh venv and runs it from another folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from planalign.paths import REPO_DIR

JUNK_DIRS = {"target", "logs", "dbt_packages", "__pycache__"}
JUNK_SUFFIXES = (".duckdb", ".wal", ".pyc")


def _shipped(folder: Path) -> set[str]:
    """The files under a top-level folder of the checkout that the wheel must carry."""
    files = set()
    for path in folder.rglob("*"):
        rel = path.relative_to(REPO_DIR)
        if (path.is_file() and not set(rel.parts) & JUNK_DIRS and not path.name.endswith(JUNK_SUFFIXES)
                and not any(part.startswith(".") for part in rel.parts)):
            files.add(rel.as_posix())
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    if not (REPO_DIR / "pyproject.toml").is_file():
        pytest.skip("not a checkout")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(REPO_DIR)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.glob("planalign-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def test_wheel_carries_configs_dbt_project_and_package_data(wheel):
    names = set(wheel.namelist())
    for folder in ("conf", "dbt"):
        expected = {f"planalign/_bundled/{name}" for name in _shipped(REPO_DIR / folder)}
        assert expected <= names, sorted(expected - names)
    for name in ("planalign/_bundled/conf/config.yaml", "planalign/_bundled/dbt/dbt_project.yml",
                 "planalign/_bundled/dbt/profiles.yml", "planalign/engines/polars_engine/models/contracts.json",
                 "planalign/py.typed", "planalign/paths.py"):
        assert name in names


def test_wheel_holds_no_local_junk(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert tops == {"planalign", next(t for t in tops if t.endswith(".dist-info"))}
    for name in wheel.namelist():
        parts = name.split("/")
        assert not set(parts) & JUNK_DIRS, name
        assert not name.endswith(JUNK_SUFFIXES) and not parts[-1].startswith("."), name


def test_wheel_entry_points(wheel):
    dist_info = next(n.split("/")[0] for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    for line in ("planalign = planalign.cli:run", "planalign-dev-db = planalign.cli.devdb:main",
                 "planalign-profile = planalign.cli.profile:main"):
        assert line in entry_points
