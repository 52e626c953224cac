{#- DC-plan helpers shared by the plan models (docs/methodology.md §0: rates are integer units of 0.001 %). -#}

{#- units -> DOUBLE rate (units x 0.00001) -#}
{% macro rate_from_units(units) -%}
(({{ units }}) * 1.0e-5)
{%- endmacro %}

{#- DOUBLE rate of an event -> units (exact for every rate the models emit) -#}
{% macro units_from_rate(rate) -%}
CAST(floor(({{ rate }}) * 100000.0e0 + 0.5e0) AS BIGINT)
{%- endmacro %}

{#- level in effect on a date, from int_plan_population's promotion columns -#}
{% macro level_at(d, rel='') -%}
(CASE WHEN {{ rel }}promotion_date IS NOT NULL AND {{ rel }}promotion_date <= ({{ d }})
      THEN {{ rel }}promoted_level ELSE {{ rel }}level_id END)
{%- endmacro %}

{#- x in [band_min, band_max) with an open (NULL) upper bound -#}
{% macro in_band(x, lo, hi) -%}
(({{ x }}) >= {{ lo }} AND ({{ hi }} IS NULL OR ({{ x }}) < {{ hi }}))
{%- endmacro %}
