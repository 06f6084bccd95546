"""Exception types of crossstrait_sim."""


class ConfigError(ValueError):
    """A config value is invalid. The message names the key, the value and what is allowed."""
