"""Exception types of crossstrait_sim, and the one-line form of Hydra's composition errors."""

from __future__ import annotations

import re

from hydra.errors import ConfigCompositionException


class ConfigError(ValueError):
    """A config value is invalid. The message names the key, the value and what is allowed."""


class ConfigCompositionError(ConfigError, ConfigCompositionException):
    """Hydra could not compose the config (a wrong type, an unknown key or option), said in one line.

    It is both a :class:`ConfigError` (our one-line form) and Hydra's
    ``ConfigCompositionException`` (what code written against Hydra expects).
    """


class ModelDivergedError(RuntimeError):
    """A simulation produced non-finite values: its parameter set made the model run away.

    Raised after the run, before any result is written; the message names how many values, the first
    quarter and the indicators there. Measured: 727 of the 8,850 runs of the seventh session's
    robustness study (extreme parameter sets, docs/ODD.md 7.11); none of the 205 posterior predictive runs.
    """


class RunDirError(ValueError):
    """A run directory cannot be used (foreign files, earlier results, no permission). One line."""


_TYPE_WORDS = {
    "Integer": "an integer",
    "Float": "a number",
    "bool": "true or false",
    "str": "a string",
}


def runs_per_task_problem(value: object) -> str | None:
    """The one-line error for a launcher's ``runs_per_task`` (a whole number >= 1), or ``None`` if it is allowed.

    Read by the batched submitit launchers and, before the sweep folder is made, by the sweep's progress callback.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"hydra.launcher.runs_per_task={value!r}: allowed is a whole number >= 1"
    return None


def _override_value(text: str, key: str) -> str | None:
    """The value written after ``key=`` in Hydra's "Error merging override key=value" line."""
    m = re.search(r"override\s+\+{0,2}" + re.escape(key) + r"=(.*)$", text.splitlines()[0] if text else "")
    return m.group(1) if m else None


def describe_composition_error(exc: BaseException, allowed_keys: dict[str, list[str]] | None = None) -> str:
    """Hydra's multi-line composition error as one line: key, value and what is allowed.

    Args:
        exc: the exception Hydra (or OmegaConf underneath it) raised while composing.
        allowed_keys: optional map of a config path ("" for the root) to the keys allowed there,
            used to list the alternatives to an unknown key.
    """
    text = str(exc)
    cause = exc.__cause__
    ctext = str(cause) if cause is not None else ""
    key = getattr(cause, "full_key", None)
    first = ctext.splitlines()[0] if ctext else ""
    m = re.search(r"Could not (?:find|load) '([^']+)/([^']+)'", text)
    if m:  # an option of a config group that does not exist
        group, name = m.group(1), m.group(2)
        opts = re.findall(r"^\t(\S+)$", text.split("Available options", 1)[1], re.M) if "Available" in text else []
        allowed = f"allowed: {', '.join(opts)}" if opts else f"see the files in conf/{group}/"
        return f"{group}={name!r}: no such option in config group '{group}'; {allowed}"
    if isinstance(cause, ValueError) and first and re.match(r"Error in call to target '", text):
        return first  # a plugin's own check of its settings (e.g. a launcher's), already in our one-line form
    if key and ("not in" in first or "Could not override" in text or "Could not append" in text):
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        alts = allowed_keys.get(parent) if allowed_keys is not None else None
        where = f"allowed keys here are {', '.join(alts)}" if alts else "see the schema (crossstrait_sim.config.schema)"
        return f"unknown config key '{key}': {where}"
    if key:
        raw = _override_value(text, key)
        tm = re.search(r"converted to (\w+)|not a valid (\w+)", first)
        want = _TYPE_WORDS.get(next((g for g in tm.groups() if g), ""), "") if tm else ""
        if "is not Optional" in first:
            want = "a value (null is not allowed)"
        value = raw if raw is not None else "?"
        what = f"must be {want}" if want else first
        return f"{key}={value!r}: {what}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines[:2]) if lines else type(exc).__name__
