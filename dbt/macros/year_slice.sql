{#- The published marts' materialization: the table holds every simulated year, and building a
    model replaces one year's slice, the year of var('simulation_year'), in one transaction:
    DELETE that year, INSERT the model's rows straight from its query.

    Why not dbt's incremental delete+insert: it first materializes the query in a temp table,
    compares the two relations' columns (several catalog queries) and only then deletes and
    inserts; for a slice rebuilt once a year in a single-writer file that is a second copy of
    every row plus ~0.1 s of catalog work per model. Here the rows are written once.

    The model must produce rows of that year only: a row of another year stops the build with
    an error naming the model (a silent mismatch would leave the old rows of that year behind).
    A missing table, or --full-refresh, creates the table from the query. -#}
{% materialization year_slice, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set year_column = config.get('year_column', 'simulation_year') -%}
  {%- set year = var('simulation_year') | int -%}
  {%- set guarded -%}
    select * from (
      {{ sql }}
    ) as slice
    where case when slice.{{ year_column }} is distinct from {{ year }}
               then error('model {{ this.identifier }}: a row of {{ year_column }} '
                          || coalesce(cast(slice.{{ year_column }} as varchar), 'NULL')
                          || ' built for year {{ year }}')
               else true end
  {%- endset -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% if existing_relation is none or should_full_refresh() %}
    {% call statement('main') -%}
      create or replace table {{ target_relation }} as (
        {{ guarded }}
      )
    {%- endcall %}
  {% else %}
    {% call statement('delete_year') -%}
      delete from {{ target_relation }} where {{ year_column }} = {{ year }}
    {%- endcall %}
    {% call statement('main') -%}
      insert into {{ target_relation }} by name
      {{ guarded }}
    {%- endcall %}
  {% endif %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
