"""Turn a composed Hydra config into validated ``Settings`` (or a ConfigError naming the key)."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf
from pydantic import ValidationError

from planalign.config.schema import COMPONENT_SECTIONS, IGNORED_TOP_LEVEL, Settings
from planalign.errors import ConfigError


def _format_location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif str(item).startswith(("function-", "tuple[", "list[", "dict[")):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def format_validation_error(error: ValidationError) -> str:
    lines = []
    for issue in error.errors():
        key = _format_location(issue["loc"]) or "<config>"
        message = issue["msg"].removeprefix("Value error, ")
        if issue["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see `planalign --cfg job` for valid keys)"
        value = issue.get("input")
        shown = "" if issue["type"] in ("extra_forbidden", "missing") else f" (got {value!r})"
        lines.append(f"  {key}: {message}{shown}")
    return "invalid configuration:\n" + "\n".join(lines)


def settings_dict(cfg: DictConfig) -> dict[str, Any]:
    """The planalign-owned part of the config as plain data (component sections removed)."""
    container = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    assert isinstance(container, dict)
    for key in (*COMPONENT_SECTIONS, *IGNORED_TOP_LEVEL):
        container.pop(key, None)
    return container


def load_settings(cfg: DictConfig) -> Settings:
    """Validate the composed config; unknown keys, bad ranges and reversed years are refused."""
    try:
        data = settings_dict(cfg)
    except Exception as exc:  # an interpolation or a ??? value that cannot resolve
        raise ConfigError(f"invalid configuration: {exc}") from exc
    if isinstance(data.get("census"), dict) and data["census"].get("path") == "???":
        raise ConfigError("invalid configuration:\n  census.path: required with census=file (census.path=FILE)")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc)) from None
