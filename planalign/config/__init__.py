"""Configuration: the pydantic schema of the composed Hydra config, year parsing, fingerprint."""
