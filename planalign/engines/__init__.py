"""Event-generation engines (strategies; exactly one per run, chosen by ``engine=``)."""
