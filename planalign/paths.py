"""Where planalign's bundled resources live: the Hydra config tree (``conf/``) and the dbt
project (``dbt/``, with its ``seeds/``).

Both sit at the top level of the repository. An installed wheel carries them inside the
package, as ``planalign/_bundled/conf`` and ``planalign/_bundled/dbt`` (the wheel's file
mapping in pyproject.toml); a checkout, and an editable install, which imports the
checkout's own ``planalign/``, reads the checkout's top-level folders.

Hydra and dbt read these folders by path, so the package must be installed as files (as pip
does), not zipped.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The folder that holds the package: a checkout's root, or site-packages for an installed wheel.
REPO_DIR = PACKAGE_DIR.parent


def _bundled_dir() -> Path | None:
    """``planalign/_bundled`` of an installed wheel; None where there is none (a checkout)."""
    bundled = resources.files("planalign") / "_bundled"
    if not bundled.is_dir():
        return None
    if not isinstance(bundled, Path):
        raise RuntimeError(f"planalign's resources ({bundled}) are not files on disk: Hydra and dbt read "
                           "them by path; install planalign with pip, not as a zipped package")
    return bundled.resolve()


def _checkout_dir() -> Path | None:
    """The root of the source checkout that planalign runs from (None for an installed wheel)."""
    if BUNDLED_DIR is not None:
        return None
    if (REPO_DIR / "pyproject.toml").is_file() and (REPO_DIR / "dbt" / "dbt_project.yml").is_file():
        return REPO_DIR
    return None


BUNDLED_DIR = _bundled_dir()
# Set only when planalign runs from a checkout of itself (a clone, or an editable install).
CHECKOUT_DIR = _checkout_dir()
RESOURCE_DIR = BUNDLED_DIR if BUNDLED_DIR is not None else REPO_DIR
DBT_PROJECT_DIR = RESOURCE_DIR / "dbt"
CONF_DIR = RESOURCE_DIR / "conf"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


def dbt_project_dir(override: str | None = None) -> Path:
    return Path(override).resolve() if override else DBT_PROJECT_DIR
