"""The one construction seam: ``build_coordinator(cfg)``.

Every component is named by a ``_target_`` in its config group, so swapping one (even for a
class that lives outside planalign) is a YAML change.
"""

from __future__ import annotations

from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig

from planalign.config.loader import load_settings
from planalign.core.protocols import COMPONENT_PROTOCOLS, missing_members
from planalign.errors import ConfigError, PlanalignError


def _make(cfg: DictConfig, group: str, node: Any, **kwargs: Any) -> Any:
    """Instantiate ``group``'s component and check it has what its protocol asks for."""
    if node is None or "_target_" not in node:
        raise ConfigError(f"invalid configuration:\n  {group}: needs a _target_ naming the component class")
    try:
        component = instantiate(node, **kwargs, _convert_="all")
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, PlanalignError):
            raise cause from None
        raise ConfigError(f"invalid configuration:\n  {group}: cannot build {node.get('_target_')}: "
                          f"{cause or exc}") from None
    protocol = COMPONENT_PROTOCOLS.get(group)
    missing = missing_members(component, protocol) if protocol is not None else []
    if missing:
        raise ConfigError(f"invalid configuration:\n  {group}: {node.get('_target_')} lacks {', '.join(missing)} "
                          f"(a {group} component needs what planalign.core.protocols.{protocol.__name__} lists)")
    return component


def build_hooks(cfg: DictConfig) -> dict[str, Any]:
    hooks_cfg = cfg.get("hooks") or {}
    return {name: _make(cfg, f"hooks.{name}", node) for name, node in hooks_cfg.items() if node is not None}


def build_coordinator(cfg: DictConfig) -> Any:
    """Validate the config, then instantiate the coordinator and its six components."""
    settings = load_settings(cfg)
    coordinator_cfg = cfg.coordinator
    hook_manager = _make(cfg, "coordinator.hook_manager", coordinator_cfg.hook_manager, hooks=build_hooks(cfg))
    year_executor = _make(cfg, "coordinator.year_executor", coordinator_cfg.year_executor)
    components = {
        "workflow": _make(cfg, "workflow", cfg.workflow),
        "state_manager": _make(cfg, "state", cfg.state),
        "cleanup": _make(cfg, "cleanup", cfg.cleanup),
        "engine": _make(cfg, "engine", cfg.engine),
    }
    target = coordinator_cfg.get("_target_")
    if not target:
        raise ConfigError("invalid configuration:\n  coordinator: needs a _target_")
    try:
        cls = instantiate({"_target_": "hydra.utils.get_class", "path": target})
    except InstantiationException as exc:
        raise ConfigError(f"invalid configuration:\n  coordinator._target_: cannot import {target}: "
                          f"{exc.__cause__ or exc}") from None
    return cls(settings=settings, hook_manager=hook_manager, year_executor=year_executor, **components)
