"""The coordinator, the workflow builder and the year executor."""
