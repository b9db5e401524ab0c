"""One module per task tab that needs more than the standard layout; each exposes `build(shared) -> TabParts`.

A task without a module here gets the standard tab (`ui.tab.task_tab`) built from its declaration.
"""
