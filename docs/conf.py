"""Sphinx configuration for the refimpl documentation.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (no network needed:
intersphinx is off).
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

import refimpl

project = "refimpl"
author = "refimpl developers"
copyright = "refimpl developers"
release = refimpl.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]

exclude_patterns = ["_build", "**/generated"]
templates_path: list[str] = []
root_doc = "index"

# autodoc: members come from each module's __all__ (imported re-exports included)
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
autodoc_member_order = "bysource"
autosummary_generate = False  # summaries only link to the objects documented on the same page

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = f"refimpl {release}"
html_static_path: list[str] = []


class ExportedSummary(SphinxDirective):
    """``.. exported-summary:: module``: an autosummary table of ``module.__all__``.

    Keeps the API pages in sync with what each module exports, without listing names by hand.
    """

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        exported = list(getattr(importlib.import_module(name), "__all__", []))
        if not exported:
            return [nodes.paragraph(text=f"{name} exports nothing yet.")]
        lines = [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {name}.{item}" for item in exported]
        container = nodes.container()
        self.state.nested_parse(
            StringList(lines, source=f"exported-summary of {name}"), self.content_offset, container
        )
        return list(container.children)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("exported-summary", ExportedSummary)
    return {"parallel_read_safe": True}
