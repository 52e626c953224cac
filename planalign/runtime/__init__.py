"""What the ``runtime`` config group decides: threads, memory, allocator; never results.

Nothing here may import Polars at module level: the command line reads these modules
before Polars fixes its thread pool.
"""
