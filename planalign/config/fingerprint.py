"""Config fingerprint: a hash of the result-affecting settings only.

Runtime settings (threads, paths, hooks, engine, output format) are left out, so changing
them is never "a different scenario" and never blocks a resume.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from planalign.config.schema import RESULT_AFFECTING_SECTIONS, Settings


def result_affecting_view(settings: Settings, census_hash: str | None = None) -> dict[str, Any]:
    data = settings.model_dump(mode="json")
    view = {key: data[key] for key in RESULT_AFFECTING_SECTIONS}
    census = dict(view["census"])
    census.pop("path", None)  # where the file lives does not matter; its content does
    if census_hash is not None:
        census["content_sha256"] = census_hash
    view["census"] = census
    return view


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def config_fingerprint(settings: Settings, census_hash: str | None = None) -> str:
    return hashlib.sha256(canonical_json(result_affecting_view(settings, census_hash)).encode()).hexdigest()


def diff_views(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two result-affecting views."""
    keys = sorted(set(old) | set(new))
    out: list[str] = []
    for key in keys:
        path = f"{prefix}{key}"
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(diff_views(a, b, path + "."))
        elif a != b:
            out.append(path)
    return out
