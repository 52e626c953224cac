"""Resolved parameter tables: YAML + seeds resolved once in Python, read by every engine."""

from planalign.params.resolver import ParameterResolver, ResolvedYear

__all__ = ["ParameterResolver", "ResolvedYear"]
