"""Lifecycle hooks: observers that see the run but cannot change its results."""

from planalign.hooks.specs import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
