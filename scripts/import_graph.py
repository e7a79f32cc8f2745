"""The package's import graph: which part imports which, and any import cycle between modules.

    .venv/bin/python scripts/import_graph.py [--include-ui]

Prints one line per arrow between the parts of ``compounder`` (calc, records, documents, …) with
the number of module imports behind it, then every cycle among the modules (imports inside
functions count too: the graph is grimp's, the one import-linter checks the contracts in
pyproject.toml with). Exit status 1 when there is a cycle. The ui is left out unless asked for:
its cycles are checked once its reorganisation lands.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

import grimp


def part(module: str) -> str:
    """``compounder.records.batches`` → ``records``; a top-level module is its own part."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "(compounder)"


def cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    imports = {m: sorted(x for x in graph.find_modules_directly_imported_by(m) if x in modules) for m in sorted(modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in imports:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            module, position = work.pop()
            if position == 0:
                index[module] = low[module] = len(index)
                stack.append(module)
                on_stack.add(module)
            for i in range(position, len(imports[module])):
                child = imports[module][i]
                if child not in index:
                    work += [(module, i + 1), (child, 0)]
                    break
                if child in on_stack:
                    low[module] = min(low[module], index[child])
            else:
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--include-ui", action="store_true", help="the window's modules too")
    options = parser.parse_args()
    graph = grimp.build_graph("compounder", cache_dir=None)
    modules = {m for m in graph.modules if options.include_ui or not (m == "compounder.ui" or m.startswith("compounder.ui."))}
    arrows: Counter[tuple[str, str]] = Counter()
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if part(module) != part(imported):
                arrows[(part(module), part(imported))] += 1
    for (importer, imported), count in sorted(arrows.items()):
        print(f"{importer:>14} -> {imported:<14} {count:>3} import{'s' if count != 1 else ''}")
    found = cycles(graph, modules)
    for group in found:
        print("cycle: " + " <-> ".join(group))
    print(f"{len(modules)} modules, {len(found)} import cycle{'s' if len(found) != 1 else ''}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
