"""Polars evaluators of the shared draw (docs/methodology.md §4.3), UInt64 throughout."""

from __future__ import annotations

import polars as pl

from planalign.random.draws import DJB_START, FNV_OFFSET, FNV_PRIME, M32, MIX_MUL_1, MIX_MUL_2

MAX_ID_LENGTH = 64
TWO_POW_MINUS_32 = 2.0**-32


def mix32_expr(x: pl.Expr) -> pl.Expr:
    """lowbias32 on a UInt64 expression holding a 32-bit value; shifts are written as ``//``."""
    x = x.cast(pl.UInt64)
    x = x ^ (x // 65536)
    x = (x * MIX_MUL_1) % M32
    x = x ^ (x // 32768)
    x = (x * MIX_MUL_2) % M32
    return x ^ (x // 65536)


def draw_hash_expr(year_constant: pl.Expr | int, ka: pl.Expr, kb: pl.Expr) -> pl.Expr:
    """h = mix(mix(cY xor ka) xor kb) with cY the per-year stream constant."""
    c = year_constant if isinstance(year_constant, pl.Expr) else pl.lit(year_constant, dtype=pl.UInt64)
    return mix32_expr(mix32_expr(c.cast(pl.UInt64) ^ ka.cast(pl.UInt64)) ^ kb.cast(pl.UInt64))


def uniform_expr(h: pl.Expr) -> pl.Expr:
    """U = h * 2**-32: exact because the factor is a power of two."""
    return h.cast(pl.Float64) * TWO_POW_MINUS_32


def with_employee_keys(
    frame: pl.LazyFrame | pl.DataFrame, id_col: str = "employee_id", max_len: int = MAX_ID_LENGTH
) -> pl.LazyFrame:
    """Add ``ka``/``kb`` columns by folding the id's bytes one column step at a time.

    A single nested ``when`` chain over 64 positions explodes the expression tree, so each
    byte position is one ``with_columns`` step.
    """
    if isinstance(frame, pl.DataFrame) and frame.height:
        max_len = min(max_len, int(frame.get_column(id_col).str.len_bytes().max() or 0))
    lf = frame.lazy()
    lf = lf.with_columns(
        pl.lit(FNV_OFFSET, dtype=pl.UInt64).alias("ka"),
        pl.lit(DJB_START, dtype=pl.UInt64).alias("kb"),
        pl.col(id_col).str.len_bytes().alias("__len"),
        pl.col(id_col).cast(pl.Binary).alias("__bytes"),
    )
    for i in range(max_len):
        byte = pl.col("__bytes").bin.slice(i, 1).bin.encode("hex").str.to_integer(base=16, strict=False)
        byte = byte.cast(pl.UInt64)
        active = pl.col("__len") > i
        lf = lf.with_columns(
            pl.when(active).then(((pl.col("ka") ^ byte) * FNV_PRIME) % M32).otherwise(pl.col("ka")).alias("ka"),
            pl.when(active).then(((pl.col("kb") * 33) % M32) ^ byte).otherwise(pl.col("kb")).alias("kb"),
        )
    return lf.drop("__len", "__bytes")
