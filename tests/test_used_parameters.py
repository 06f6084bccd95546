"""Every declared parameter and every declared agent attribute is read by some code (issue 9, point 10).

A declaration that no code reads documents a mechanism the model does not have (as
``behaviour.professionals.stage_wage`` and the professionals' ``left_tw`` did). The check is
static: it reads the source of ``src/crossstrait_sim`` with :mod:`ast`. Assignments are not
reads, nor are reads in a function that nothing in ``src/`` calls or names (``time_abroad``, which
only a user could call, was what read ``left_tw``) or in one that only shows values back
(:data:`SHOWN_ONLY`).

A schema leaf such as ``behaviour.abatement.cost`` counts as read where some module, other than
those that handle every declaration alike (:data:`GENERIC`), has

- an attribute load ``X.cost`` whose receiver ``X`` names the leaf's group: the group's field
  name (``abatement``), its dataclass or a base class (``AbatementConfig``; ``Instrument`` for
  ``enabled``, ``start`` and ``ramp_quarters`` of every instrument), or, for a top-level leaf,
  the config or parameters object (:data:`ROOT_NAMES`). Local names are followed to every value
  they are given (assigned, annotated, looped over) in the same or an enclosing function, so
  ``b = p.behaviour.abatement`` then ``b.cost`` counts, and ``automation.cost`` does not;
- or the string ``"cost"`` in a function that names the group in that sense (a column read by
  key, as ``_column(c.sectors, rows, "demand_usd_bn")`` or ``OmegaConf.select(cfg, "overwrite")``).

A leaf that :func:`~crossstrait_sim.config.parameters.build_params` reads into :class:`Params`
or the :class:`Schedule` is used only if the model reads that field in turn, so every field of
both must be read outside the module that builds it. An agent attribute of ``model/state.py``
must be loaded somewhere other than ``state.py``.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossstrait_sim.config.declare import Leaf, group_type, leaves, table_row_type
from crossstrait_sim.config.parameters import Params
from crossstrait_sim.config.schedule import Schedule
from crossstrait_sim.config.schema import SimConfig
from crossstrait_sim.model.state import Firms, Professionals

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "crossstrait_sim"

GENERIC = {
    "config/schema.py": "declares every leaf",
    "config/declare.py": "walks the declarations",
    "config/checks.py": "checks every value against its declared range, whatever it does in the model",
    "config/paramdoc.py": "writes every declaration into the ODD table",
}
"""Modules that handle every declaration alike: a name there says nothing about its use."""

ROOT_NAMES = frozenset({"SimConfig", "DictConfig", "Params"})
"""What names the root group: the typed config, the composed config, and the parameters built from them."""

NOT_READ_BY_THE_MODEL: dict[str, str] = {
    "age": (
        "Firms.age (quarters since entry) is set and aged by both engines and shown by "
        "MesaModel.follow and the engines' state comparison, but no phase reads it; it lives in "
        "model/ and mesa_engine/, which the model changes of issue 9 are rewriting: remove it or "
        "give it a role there"
    ),
}
"""Agent attributes known to be unread, each with why it is still declared. The test also fails
when one of them comes to be read, so that the list does not outlive its reason."""

SHOWN_ONLY = {
    "mesa_engine/agents.py:state": "the agent's state as a dict for MesaModel.follow: showing a state is not using it",
}
"""Functions (``module:function``) whose reads only report a value back: they do not count as reads."""


# --------------------------------------------------------------------------- the source


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SRC.rglob("*.py"))
    ]


MODULES = _modules()
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _uncalled(modules: list[tuple[str, ast.Module]]) -> set[str]:
    """Functions defined in ``src/`` whose name no code there uses (nor pyproject.toml's entry points).

    A use is a name or attribute load, or a string that is exactly the name (Mesa's
    ``shuffle_do("review_workplace")``); docstrings that mention a function are no use.
    """
    defined, used = set(), set(_IDENTIFIER.findall((ROOT / "pyproject.toml").read_text(encoding="utf-8")))
    for _, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defined.add(node.name)
            elif isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _IDENTIFIER.fullmatch(node.value):
                used.add(node.value)
    return {n for n in defined - used if not n.startswith("__")}


UNCALLED = _uncalled(MODULES)


def _skipped(rel: str, name: str, uncalled: set[str]) -> bool:
    """Whether the reads of function ``name`` in module ``rel`` do not count (uncalled, or shown only)."""
    return name in uncalled or f"{rel}:{name}" in SHOWN_ONLY


def _live(node: ast.AST, rel: str) -> Iterator[ast.AST]:
    """Every node below ``node``, leaving out the bodies of :func:`_skipped` functions."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and _skipped(rel, child.name, UNCALLED):
            continue
        yield child
        yield from _live(child, rel)


def _write_targets(tree: ast.AST) -> set[int]:
    """ids of the nodes assigned to: ``x.a = ...``, ``x.a[i] = ...``, ``x.a[i] += ...``, ``d["k"] = ...``."""
    out: set[int] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Attribute):
                    out.add(id(sub.value))
                elif isinstance(sub, ast.Attribute | ast.Subscript) and isinstance(sub.ctx, ast.Store):
                    out.add(id(sub))
    return out


# --------------------------------------------------------------------------- reads of the schema's leaves


def _bind(env: dict[str, list[ast.expr]], target: ast.expr, value: ast.expr) -> None:
    """Record that the names in ``target`` stand for (parts of) ``value``."""
    if isinstance(target, ast.Name):
        env.setdefault(target.id, []).append(value)
    elif isinstance(target, ast.Tuple | ast.List):
        parts = value.elts if isinstance(value, ast.Tuple | ast.List) else [value] * len(target.elts)
        for t, v in zip(target.elts, parts, strict=False):
            _bind(env, t, v)


class _Scope(ast.NodeVisitor):
    """Attribute loads and strings of one function (or module), and what its local names stand for."""

    def __init__(self, env: dict[str, list[ast.expr]], writes: set[int], rel: str, uncalled: set[str]) -> None:
        self.env = {k: list(v) for k, v in env.items()}
        self.writes, self.rel, self.uncalled = writes, rel, uncalled
        self.attrs: list[tuple[str, ast.expr]] = []  # (attribute, receiver)
        self.strings: list[str] = []
        self.mentioned: list[ast.expr] = []  # every name and attribute of the scope
        self.children: list[ast.FunctionDef | ast.AsyncFunctionDef] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not _skipped(self.rel, node.name, self.uncalled):
            self.children.append(node)  # its own scope, which sees this one's names

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arg(self, node: ast.arg) -> None:
        if node.annotation is not None:
            self.env.setdefault(node.arg, []).append(node.annotation)

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            _bind(self.env, t, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        _bind(self.env, node.target, node.annotation)
        if node.value is not None:
            _bind(self.env, node.target, node.value)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        _bind(self.env, node.target, node.iter)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        _bind(self.env, node.target, node.iter)
        self.generic_visit(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            _bind(self.env, node.optional_vars, node.context_expr)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if id(node) not in self.writes:
            self.attrs.append((node.attr, node.value))
        self.mentioned.append(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self.mentioned.append(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.strings.append(node.value)


def _names_in(exprs: list[ast.expr], env: dict[str, list[ast.expr]], depth: int = 4) -> set[str]:
    """Every identifier in ``exprs``, following local names to what they stand for."""
    out: set[str] = set()
    for e in exprs:
        for sub in ast.walk(e):
            if isinstance(sub, ast.Attribute):
                out.add(sub.attr)
            elif isinstance(sub, ast.Name):
                out.add(sub.id)
                if depth > 0 and sub.id in env:
                    out |= _names_in(env[sub.id], {k: v for k, v in env.items() if k != sub.id}, depth - 1)
    return out


@dataclasses.dataclass
class Reads:
    """Attribute loads with the names their receiver stands for, and strings with the names of their function."""

    uncalled: set[str]  # functions whose reads do not count
    attrs: list[tuple[str, frozenset[str], str]] = dataclasses.field(
        default_factory=list
    )  # (attribute, receiver, where)
    strings: list[tuple[str, frozenset[str], str]] = dataclasses.field(default_factory=list)  # (string, scope, where)


def _walk_scopes(node: ast.AST, env: dict[str, list[ast.expr]], writes: set[int], where: str, out: Reads) -> None:
    scope = _Scope(env, writes, where.split(":")[0], out.uncalled)
    body = node.body if isinstance(node, ast.Module) else [node.args, *node.body]  # type: ignore[attr-defined]
    for stmt in body:
        scope.visit(stmt)
    around = frozenset(_names_in(scope.mentioned, scope.env))
    out.attrs += [(a, frozenset(_names_in([r], scope.env)), where) for a, r in scope.attrs]
    out.strings += [(s, around, where) for s in scope.strings]
    for child in scope.children:
        _walk_scopes(child, scope.env, writes, f"{where}:{child.name}", out)


def _reads(modules: list[tuple[str, ast.Module]], uncalled: set[str]) -> Reads:
    out = Reads(uncalled)
    for rel, tree in modules:
        if rel not in GENERIC:
            _walk_scopes(tree, {}, _write_targets(tree), rel, out)
    return out


def _group_names(leaf: Leaf) -> frozenset[str]:
    """The names that identify the group a leaf belongs to (see the module docstring)."""
    groups = [p for p in leaf.path[:-1] if not p.startswith("<")]
    if not groups:
        return ROOT_NAMES
    t: type = SimConfig
    for part in groups:
        hint = typing.get_type_hints(t)[part]
        t = table_row_type(hint) or group_type(hint) or t
    return frozenset({groups[-1], *(c.__name__ for c in t.__mro__ if c is not object)})


def _where_read(leaf: Leaf, reads: Reads) -> list[str]:
    name, group = leaf.path[-1], _group_names(leaf)
    found = [w for a, recv, w in reads.attrs if a == name and recv & group]
    return found + [w for s, around, w in reads.strings if s == name and around & group]


LEAVES = {leaf.key: leaf for leaf in leaves(SimConfig)}


def test_every_declared_parameter_is_read_somewhere():
    reads = _reads(MODULES, UNCALLED)
    unread = [key for key, leaf in LEAVES.items() if not _where_read(leaf, reads)]
    assert not unread, (
        f"declared in config/schema.py but read by no code: {unread}; remove them (schema, conf/, "
        "docs/ODD.md's table) or give them their role in the model"
    )


SAMPLE = """
def phase(p: Params, bh):
    b = p.behaviour.abatement
    growth = b.cost * bh.automation.labour_saving
    p.behaviour.automation.rate = 0.0  # a write, not a read
    return growth + len(p.behaviour.firms.cost) + getattr(p.sectors["x"], "pollution")

def time_abroad(p: Params):  # nothing calls it
    return p.behaviour.firms.review_rate + p.engine.name

RESULT = phase(None, None)
"""


def test_the_scan_reads_a_leaf_only_through_its_own_group():
    # the detector itself can fail: abatement.cost is read (through the alias b); automation.cost
    # is not (``cost`` is read on firms, another group); automation.rate is only written; a string
    # key counts in a function that names the group (sectors); an uncalled function reads nothing
    r = _reads([("sample.py", ast.parse(SAMPLE))], _uncalled([("sample.py", ast.parse(SAMPLE))]))
    read = {key: bool(_where_read(LEAVES[key], r)) for key in LEAVES}
    assert read["behaviour.abatement.cost"] and read["behaviour.automation.labour_saving"]
    assert read["sectors.<sector>.pollution"]
    assert not read["behaviour.automation.cost"] and not read["behaviour.automation.rate"]
    assert not read["behaviour.firms.review_rate"] and not read["engine.name"]


# --------------------------------------------------------------------------- what the config is built into


def _loads(names: set[str], skip: str, keys: bool = False) -> dict[str, list[str]]:
    """Where each of ``names`` is loaded as an attribute (not assigned to), outside module ``skip``.

    With ``keys``, also where it is read as a string key (``lv["m31"]``: the model reads the
    schedule's levels of the quarter from a dict keyed by field name).
    """
    out: dict[str, list[str]] = {n: [] for n in names}
    for rel, tree in MODULES:
        if rel == skip:
            continue
        writes = _write_targets(tree)
        for node in _live(tree, rel):
            if id(node) in writes:
                continue
            if isinstance(node, ast.Attribute) and node.attr in names:
                out[node.attr].append(f"{rel}:{node.lineno}")
            elif (
                keys
                and isinstance(node, ast.Subscript)
                and isinstance(node.slice, ast.Constant)
                and node.slice.value in names
            ):
                out[node.slice.value].append(f"{rel}:{node.lineno}")
    return out


@pytest.mark.parametrize(
    ("cls", "built_in", "keys"),
    [(Params, "config/parameters.py", False), (Schedule, "config/schedule.py", True)],
    ids=["Params", "Schedule"],
)
def test_every_field_of_the_built_parameters_is_read(cls, built_in, keys):
    # a leaf that build_params reads into Params (or the schedule) is unused if nothing reads that
    # field: behaviour.professionals.stage_wage became Params.stage_wage, which nothing read
    reads = _loads({f.name for f in dataclasses.fields(cls)}, built_in, keys)
    unread = sorted(n for n, where in reads.items() if not where)
    assert not unread, f"fields of {cls.__name__} ({built_in}) that no code reads: {unread}"


# --------------------------------------------------------------------------- agent state


def test_every_agent_attribute_is_read_somewhere():
    reads = _loads({f.name for cls in (Firms, Professionals) for f in dataclasses.fields(cls)}, "model/state.py")
    unread = sorted(n for n, where in reads.items() if not where and n not in NOT_READ_BY_THE_MODEL)
    assert not unread, f"agent attributes declared in model/state.py that no code reads: {unread}"
    stale = sorted(n for n in NOT_READ_BY_THE_MODEL if reads.get(n))
    assert not stale, f"now read, take them off NOT_READ_BY_THE_MODEL: {stale} ({[reads[n] for n in stale]})"
