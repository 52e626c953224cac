"""The draw u(employee, year, stream, seed) as integer arithmetic (docs/methodology.md §4.3).

Why integer arithmetic: DuckDB's ``hash()`` and Polars' ``hash()`` are different algorithms
and Polars' changes between releases, so neither can be shared. A 32-bit mixer whose
products stay below 2**64 is evaluated exactly by Python, DuckDB (UBIGINT) and Polars
(UInt64).
"""

from __future__ import annotations

M32 = 1 << 32
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
DJB_START = 5381
MIX_MUL_1 = 0x7FEB352D
MIX_MUL_2 = 0x846CA68B

# Salt registry (docs/methodology.md §4.4). Salts are never reused; a new decision gets a new salt.
SALTS: dict[str, int] = {
    "TERM_SELECT": 1,
    "TERM_DATE_MIN": 2,
    "TERM_DATE_OFFSET": 3,
    "NH_TERM_SELECT": 4,
    "NH_TERM_MIN": 5,
    "NH_TERM_DATE": 6,
    "HIRE_AGE": 7,
    "HIRE_BIRTHDAY": 8,
    "HIRE_PART_TIME": 9,
    "PROMO_SELECT": 10,
    "PROMO_PCT": 11,
    "RAISE_MONTH": 12,
    "RAISE_DAY": 13,
    "NH_INELIGIBLE": 14,
    "PROACTIVE_SELECT": 15,
    "PROACTIVE_TIMING": 16,
    "OPT_OUT": 17,
    "VOLUNTARY_SELECT": 18,
    "MATCH_MAGNET": 19,
    "YOY_SELECT": 20,
    "MATCH_RESP_UP": 21,
    "MATCH_RESP_DOWN": 22,
}

# Which subsystem seed drives each stream (random_seed_overrides keys).
SUBSYSTEM_OF_STREAM: dict[str, str] = {
    "TERM_SELECT": "termination",
    "TERM_DATE_MIN": "termination",
    "TERM_DATE_OFFSET": "termination",
    "NH_TERM_SELECT": "termination",
    "NH_TERM_MIN": "termination",
    "NH_TERM_DATE": "termination",
    "HIRE_AGE": "hiring",
    "HIRE_BIRTHDAY": "hiring",
    "HIRE_PART_TIME": "hiring",
    "PROMO_SELECT": "promotion",
    "PROMO_PCT": "promotion",
    "RAISE_MONTH": "merit",
    "RAISE_DAY": "merit",
    "NH_INELIGIBLE": "eligibility",
    "PROACTIVE_SELECT": "enrollment",
    "PROACTIVE_TIMING": "enrollment",
    "OPT_OUT": "enrollment",
    "VOLUNTARY_SELECT": "enrollment",
    "MATCH_MAGNET": "enrollment",
    "YOY_SELECT": "enrollment",
    "MATCH_RESP_UP": "deferral",
    "MATCH_RESP_DOWN": "deferral",
}

SUBSYSTEMS = ("termination", "hiring", "promotion", "merit", "eligibility", "enrollment", "deferral")


def mix32(x: int) -> int:
    """Chris Wellons' lowbias32 on an unsigned 32-bit value."""
    x ^= x >> 16
    x = (x * MIX_MUL_1) % M32
    x ^= x >> 15
    x = (x * MIX_MUL_2) % M32
    return x ^ (x >> 16)


def employee_keys(employee_id: str) -> tuple[int, int]:
    """Key words (ka: FNV-1a 32, kb: djb2-xor 32) over the ASCII bytes of an employee id."""
    a, b = FNV_OFFSET, DJB_START
    for c in employee_id.encode("ascii"):
        a = ((a ^ c) * FNV_PRIME) % M32
        b = ((b * 33) % M32) ^ c
    return a, b


def stream_constant(seed: int, salt: int) -> int:
    """c = mix(mix(seed mod 2^32) xor salt): constant per (subsystem seed, stream)."""
    return mix32(mix32(seed % M32) ^ salt)


def year_stream_constant(seed: int, salt: int, year: int) -> int:
    """cY = mix(c xor Y): folded once per year in Python and handed to both engines."""
    return mix32(stream_constant(seed, salt) ^ year)


def draw(seed: int, salt: int, year: int, ka: int, kb: int) -> int:
    """The 32-bit draw h; U = h * 2**-32, R(n) = h mod n."""
    return mix32(mix32(year_stream_constant(seed, salt, year) ^ ka) ^ kb)
