"""planalign: config-driven multi-year workforce and DC-plan simulation."""

__version__ = "0.1.0"

from planalign.config.resolvers import register as _register_resolvers  # noqa: E402

_register_resolvers()


def build_coordinator(cfg):  # noqa: ANN001 - thin re-export, avoids importing hydra at package import
    """Build the coordinator from a composed Hydra config (see ``planalign.orchestration.build``)."""
    from planalign.orchestration.build import build_coordinator as _build

    return _build(cfg)
