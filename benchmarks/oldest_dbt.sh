#!/usr/bin/env bash
# planalign's dbt bridge tests (tests/dbt_bridge) on the oldest installable dependency set,
# constraints/oldest.txt: dbt-core 1.10, the oldest dbt-common, dbt-adapters, mashumaro and Jinja2
# that it accepts. The accelerators' gate (planalign/dbt_bridge/accelerators/gate.py) lists
# those versions as tested only while these tests pass there.
#
#   bash benchmarks/oldest_dbt.sh                      # a new venv in a temporary folder, removed after
#   OLDEST_VENV=/tmp/oldest bash benchmarks/oldest_dbt.sh -k gate   # keep (and reuse) the venv; pytest's args
#
# It installs the project from this checkout with pip (-c constraints/oldest.txt) and runs the
# tests from the checkout with that venv's Python, with its own PLANALIGN_CACHE_DIR (the cache
# files of another dbt stay out of the user's). PYTHON chooses the interpreter (python3).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d -t planalign-oldest-XXXXXX)
venv=${OLDEST_VENV:-$work/venv}
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
"$venv/bin/python" -m pip install --quiet -c "$repo/constraints/oldest.txt" "$repo" pytest pytest-xdist
"$venv/bin/python" - <<'PY'
from importlib import metadata
print("oldest set:", ", ".join(f"{name} {metadata.version(name)}" for name in
      ("dbt-core", "dbt-duckdb", "dbt-common", "dbt-adapters", "mashumaro", "jinja2", "duckdb")))
PY
cd "$repo"
PLANALIGN_CACHE_DIR="$work/cache" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/dbt_bridge "$@"
