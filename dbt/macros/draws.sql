{#- Deterministic draws shared with the Polars engine (docs/methodology.md §4.3).
    All arithmetic is UBIGINT with products < 2^64; xor() is bitwise xor (^ is power). -#}

{#- h = mix(mix(cY xor ka) xor kb); cY is the per-year stream constant from param_scalars. -#}
{% macro draw_hash(year_constant, ka, kb) -%}
pa_draw_hash({{ year_constant }}, {{ ka }}, {{ kb }})
{%- endmacro %}

{% macro draw_u(year_constant, ka, kb) -%}
(pa_draw_hash({{ year_constant }}, {{ ka }}, {{ kb }})::DOUBLE * 2.3283064365386963e-10)
{%- endmacro %}

{% macro draw_r(year_constant, ka, kb, n) -%}
(pa_draw_hash({{ year_constant }}, {{ ka }}, {{ kb }}) % ({{ n }})::UBIGINT)::BIGINT
{%- endmacro %}

{#- Employee key words over the id's ASCII bytes (FNV-1a 32 and djb2-xor 32). -#}
{% macro employee_ka(s) -%}
list_reduce(list_prepend(2166136261::UBIGINT,
    list_transform(string_split({{ s }}, ''), lambda c: ascii(c)::UBIGINT)),
    lambda h, b: (xor(h, b) * 16777619::UBIGINT) % 4294967296::UBIGINT)
{%- endmacro %}

{% macro employee_kb(s) -%}
list_reduce(list_prepend(5381::UBIGINT,
    list_transform(string_split({{ s }}, ''), lambda c: ascii(c)::UBIGINT)),
    lambda h, b: xor((h * 33::UBIGINT) % 4294967296::UBIGINT, b))
{%- endmacro %}

{#- Registered once per connection at run start: a scalar macro keeps model SQL short.
    DuckDB expands a macro by substitution, so a body naming its argument twice doubles at each
    nesting level: written as plain xorshift-multiply steps, one pa_draw_hash became 64 copies
    of its input and cost ~10 ms to plan, a third of a small run's SQL time. Each step below is
    a lambda over a one-element list, which binds the intermediate value once: the same numbers,
    a plan that grows linearly (~1 ms), for ~10 ms more execution per draw per million rows. -#}
{% macro create_draw_macros() %}
CREATE OR REPLACE MACRO pa_mix32(x) AS list_transform(list_transform(list_transform([x::UBIGINT],
    lambda v: (xor(v, v >> 16) * 2146121005::UBIGINT) % 4294967296::UBIGINT),
    lambda v: (xor(v, v >> 15) * 2221713035::UBIGINT) % 4294967296::UBIGINT),
    lambda v: xor(v, v >> 16))[1];
CREATE OR REPLACE MACRO pa_draw_hash(c, ka, kb) AS pa_mix32(xor(pa_mix32(xor(c::UBIGINT, ka::UBIGINT)), kb::UBIGINT));
{% endmacro %}
