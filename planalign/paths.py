"""Where planalign's bundled resources live."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DBT_PROJECT_DIR = REPO_DIR / "dbt"
CONF_DIR = REPO_DIR / "conf"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


def dbt_project_dir(override: str | None = None) -> Path:
    return Path(override).resolve() if override else DBT_PROJECT_DIR
