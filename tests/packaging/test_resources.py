"""Where planalign finds its configs and dbt project, and which commit run.json reports: in a
checkout (and an editable install) the repository's top-level conf/ and dbt/; in an installed
wheel planalign/_bundled/ (see test_wheel.py and .ci/run's wheel step)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from planalign import paths
from planalign.cli import devdb
from planalign.reporting.provenance import git_sha


def test_resources_resolve_to_the_checkout():
    assert paths.BUNDLED_DIR is None
    assert paths.CHECKOUT_DIR == paths.REPO_DIR == paths.PACKAGE_DIR.parent
    assert paths.CONF_DIR == paths.REPO_DIR / "conf"
    assert (paths.CONF_DIR / "config.yaml").is_file()
    assert (paths.DBT_PROJECT_DIR / "dbt_project.yml").is_file()
    assert (paths.DBT_PROJECT_DIR / "profiles.yml").is_file()
    assert paths.SEEDS_DIR == paths.DBT_PROJECT_DIR / "seeds" and any(paths.SEEDS_DIR.glob("*.csv"))
    assert paths.dbt_project_dir() == paths.DBT_PROJECT_DIR
    assert paths.dbt_project_dir("elsewhere") == Path("elsewhere").resolve()


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_sha_only_for_a_checkout_of_planalign_itself(tmp_path):
    assert git_sha(None) is None                       # an installed wheel
    assert git_sha(tmp_path) is None                   # not a git work tree
    # a venv inside another repository's work tree: that repository's commit is not planalign's
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x")
    site_packages = tmp_path / ".venv" / "lib" / "site-packages"
    site_packages.mkdir(parents=True)
    assert git_sha(site_packages) is None
    sha = git_sha(tmp_path)                            # the root of a work tree: its HEAD
    assert sha is not None and len(sha) == 40


def test_dev_db_default_is_the_checkouts_dbt_project(monkeypatch):
    monkeypatch.delenv("PLANALIGN_DB", raising=False)
    assert devdb.default_database() == paths.DBT_PROJECT_DIR / "dev.duckdb"
    assert devdb.dbt_command(devdb.default_database()).endswith("&& dbt build")


def test_dev_db_elsewhere_keeps_dbt_out_of_the_project(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANALIGN_DB", str(tmp_path / "my.duckdb"))
    assert devdb.default_database() == tmp_path / "my.duckdb"
    command = devdb.dbt_command(tmp_path / "my.duckdb")
    assert f"--target-path {tmp_path / 'target'}" in command and f"--log-path {tmp_path / 'logs'}" in command
    assert f"--profiles-dir {paths.DBT_PROJECT_DIR}" in command
    # an installed wheel (no checkout): the current folder
    monkeypatch.delenv("PLANALIGN_DB")
    monkeypatch.setattr(devdb, "CHECKOUT_DIR", None)
    monkeypatch.chdir(tmp_path)
    assert devdb.default_database() == tmp_path / "dev.duckdb"
