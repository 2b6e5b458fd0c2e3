"""The tree shows the flow: read -> profile -> learn -> checks -> decide -> stats -> report -> write.

Walks every import of every module (module level, inside functions, under TYPE_CHECKING) with
ast and fails when a stage imports a later one, when the shared foundation imports a stage,
when anything below the top imports the top (the package root, the pipeline, the CLI), or
when modules import each other in a cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "preflight"
STAGES = ("read", "profile", "learn", "checks", "decide", "stats", "report", "write")
FOUNDATION = {"errors", "findings", "params", "progress", "workers", "files", "version", "kernels", "printable"}
# engine/: where pass 1 (and, later, pass 2's scoring with learn/'s models) runs: above every stage.
TOP = {"", "pipeline", "cli", "__main__", "engine"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The preflight modules this file imports, resolved to modules (not names inside them)."""
    known = {module_name(p) for p in PACKAGE.rglob("*.py")}
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "preflight"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "preflight":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in known else node.module)
    return out


def layer(module: str) -> tuple[str, int]:
    """('top' | 'foundation' | 'stage', rank): ranks order the stages; the top ranks above all."""
    first = module.split(".")[1] if "." in module else ""
    if first in TOP:
        return "top", len(STAGES)
    if first in FOUNDATION:
        return "foundation", -1
    assert first in STAGES, f"{module}: not in a stage, the foundation or the top; place it (tests/test_layout.py)"
    return "stage", STAGES.index(first)


GRAPH = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_imports_flow_one_way() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        kind, rank = layer(module)
        for target in targets:
            t_kind, t_rank = layer(target)
            if kind == "top":
                continue
            if t_kind == "top" or (kind == "foundation" and t_kind != "foundation") or t_rank > rank:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports against the flow:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles() -> None:
    cycles, state = [], {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH.get(module, ())):
            if target == module or target not in GRAPH:
                continue
            if state.get(target) == "open":
                cycles.append(" -> ".join([*stack[stack.index(target):], target]))
            elif target not in state:
                visit(target, [*stack, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    # the package root re-exports the pipeline, which every module's import runs through first
    cycles = [c for c in cycles if not c.startswith("preflight -> ") and " -> preflight -> " not in c]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_every_module_has_a_place() -> None:
    for module in GRAPH:
        layer(module)
