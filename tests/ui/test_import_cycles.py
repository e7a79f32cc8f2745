"""No import cycle inside the window's code (issue 20: ``records_window`` and the users and first
accounts dialogs imported each other's private helpers). Type-only imports count too: a newcomer
reads them as arrows all the same."""

from __future__ import annotations

import grimp


def test_no_module_of_the_window_imports_one_that_imports_it_back():
    graph = grimp.build_graph("compounder")
    window = sorted(module for module in graph.modules if module.startswith("compounder.ui"))
    cycles = sorted({
        tuple(sorted((module, imported)))
        for module in window
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("compounder.ui") and graph.chain_exists(importer=imported, imported=module)
    })
    assert cycles == []
