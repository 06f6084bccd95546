"""Levers (Taiwan's responses) and the policies a future is run under.

A *response* switches one of Taiwan's instruments on, at an intensity (a factor on the instrument's
size parameters, as they are in the future: configured or sampled) and from a start date. A
*policy* is the reference (``narrative``: no Taiwan response), a combination of responses (named by
its response, ``combined`` for all of them, else joined by ``+``), or a *contrast*: the reference with
some overrides (``no_measures31``: the narrative without the 31 measures, so that the 31 measures'
effect is the narrative minus it).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crossstrait_sim.config.quarters import quarter_label, quarter_ordinal


@dataclass(frozen=True)
class Response:
    """One of Taiwan's responses as a lever."""

    name: str
    enable: str  # the switch's config key
    start_key: str
    intensity_keys: tuple[str, ...]  # multiplied by the intensity
    design_keys: tuple[str, ...]  # the response's policy choices: held at their configured values, never sampled
    intensity: float = 1.0
    intensity_range: tuple[float, float] = (1.0, 1.0)
    start: str | None = None  # None: as configured
    start_range: tuple[str, str] | None = None


@dataclass(frozen=True)
class Policy:
    """What a run does in its future: the responses switched on, or a contrast's overrides."""

    name: str
    responses: tuple[str, ...] = ()
    contrast: tuple[tuple[str, Any], ...] = ()

    @property
    def kind(self) -> str:
        """``reference``, ``response`` or ``contrast``."""
        return "contrast" if self.contrast else ("response" if self.responses else "reference")


def responses_from(settings: Mapping[str, Any]) -> dict[str, Response]:
    """The responses of ``levers.responses`` in the robust config."""
    out = {}
    for name, r in settings.items():
        sr = r.get("start_range")
        out[name] = Response(
            name,
            str(r["enable"]),
            str(r["start_key"]),
            tuple(r.get("intensity_keys") or ()),
            tuple(r.get("design_keys") or ()),
            float(r.get("intensity", 1.0)),
            tuple(float(x) for x in r.get("intensity_range") or (1.0, 1.0)),  # type: ignore[arg-type]
            r.get("start"),
            (str(sr[0]), str(sr[1])) if sr else None,
        )
    return out


def policy_name(combo: Sequence[str], all_names: Sequence[str]) -> str:
    """``combined`` for every response, the response's name for one, else the names joined by ``+``."""
    if len(combo) > 1 and set(combo) == set(all_names):
        return "combined"
    return "+".join(combo)


def policies_from(
    responses: Mapping[str, Response],
    combinations: str | Sequence[Sequence[str]],
    contrasts: Mapping[str, Mapping[str, Any]],
    reference: str = "narrative",
) -> list[Policy]:
    """The reference, the combinations of responses (``all``: every non-empty subset), and the contrasts."""
    names = list(responses)
    if isinstance(combinations, str):
        if combinations != "all":
            raise ValueError(f"levers.combinations={combinations!r}: must be 'all' or a list of lists of responses")
        combos = [c for k in range(1, len(names) + 1) for c in itertools.combinations(names, k)]
    else:
        combos = [tuple(c) for c in combinations]
    for c in combos:
        unknown = [r for r in c if r not in responses]
        if unknown or not c:
            raise ValueError(
                f"levers.combinations: {list(c)} names no response or unknown ones {unknown}; allowed: {names}"
            )
    pols = [Policy(reference)] + [Policy(policy_name(c, names), tuple(c)) for c in combos]
    pols += [Policy(n, contrast=tuple((str(k), v) for k, v in dict(ov).items())) for n, ov in contrasts.items()]
    seen = [p.name for p in pols]
    if len(set(seen)) != len(seen):
        raise ValueError(f"policy names repeat: {seen}")
    return pols


def lever_columns(responses: Mapping[str, Response], sampled: bool) -> list[str]:
    """The unit-hypercube columns the levers add when they are sampled (intensity and start per response)."""
    if not sampled:
        return []
    return [f"lever.{r}.{what}" for r in responses for what in ("intensity", "start")]


def lever_values(responses: Mapping[str, Response], u: Mapping[str, float] | None, base: Mapping[str, Any]) -> dict:
    """Each response's intensity and start in a future (``u``: its lever columns when sampled, else ``None``)."""
    out: dict[str, Any] = {}
    for r in responses.values():
        if u is None:
            inten, start = r.intensity, r.start or str(base[r.start_key])
        else:
            lo, hi = r.intensity_range
            inten = lo + float(u[f"lever.{r.name}.intensity"]) * (hi - lo)
            s0, s1 = (quarter_ordinal(q, r.start_key) for q in (r.start_range or (base[r.start_key],) * 2))
            start = quarter_label(s0 + min(int(float(u[f"lever.{r.name}.start"]) * (s1 - s0 + 1)), s1 - s0))
        out[f"lever.{r.name}.intensity"] = float(inten)
        out[f"lever.{r.name}.start"] = start
    return out


def policy_overrides(
    policy: Policy, responses: Mapping[str, Response], levers: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """The config values that put ``policy`` in force (``values``: the future's values of every key it scales)."""
    out: dict[str, Any] = dict(policy.contrast)
    for name in policy.responses:
        r = responses[name]
        out[r.enable] = True
        out[r.start_key] = levers[f"lever.{name}.start"]
        for k in r.intensity_keys:
            out[k] = float(values[k]) * float(levers[f"lever.{name}.intensity"])
    return out


def lever_record(policy: Policy, responses: Mapping[str, Response], levers: Mapping[str, Any]) -> dict[str, Any]:
    """The experiments-table columns of a run's levers: on/off, intensity and start per response."""
    out: dict[str, Any] = {}
    for name in responses:
        on = name in policy.responses
        out[f"lever.{name}.on"] = on
        out[f"lever.{name}.intensity"] = levers[f"lever.{name}.intensity"] if on else 0.0
        out[f"lever.{name}.start"] = levers[f"lever.{name}.start"] if on else "off"
    return out
