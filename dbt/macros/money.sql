{#- Money and rate rules shared with Polars (docs/methodology.md §0, §4.5):
    cents = floor(x*100 + 0.5); dollars = cents * 0.01; float literals carry an exponent. -#}
{% macro round_cents(x) -%}
CAST(floor(({{ x }}) * 100.0e0 + 0.5e0) AS BIGINT)
{%- endmacro %}

{% macro cents_to_dollars(c) -%}
(({{ c }}) * 0.01e0)
{%- endmacro %}

{% macro round_money(x) -%}
{{ cents_to_dollars(round_cents(x)) }}
{%- endmacro %}

{#- tenure_at(d) = (4 * days(d - hire)) // 1461, 0 before the hire date -#}
{% macro tenure_at(d, hire_date) -%}
(CASE WHEN ({{ d }}) >= ({{ hire_date }}) THEN (4 * date_diff('day', {{ hire_date }}, {{ d }})) // 1461 ELSE 0 END)
{%- endmacro %}
