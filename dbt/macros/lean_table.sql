{#- A table materialization with one statement: CREATE OR REPLACE TABLE ... AS.
    dbt's default table materialization creates a temp relation, renames, drops a backup and
    refreshes its relation cache: correct for shared warehouses, pure overhead for a
    single-writer per-run DuckDB file where each model is rebuilt every year. -#}
{% materialization lean_table, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%}
    create or replace table {{ target_relation }} as (
      {{ sql }}
    )
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
