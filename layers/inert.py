"""Text a map has already rendered is never read as a template again (server-side template injection).

branca, under folium, renders each element's header, html and script, then wraps the result in
``branca.element.Element(text)``, whose constructor compiles ``text`` as a Jinja template that the page's final
render runs a second time. So a record's name, note or uploaded attribute holding ``{{ … }}`` was evaluated on the
server while its map was drawn: ``{{ 7*7 }}`` showed 49, and ``{{ cycler.__init__.__globals__.os… }}`` ran code.
It also compiled every drawn GeoJSON as a template, a cost that grows with the data.

Every text handed to that constructor is such output: folium's classes, branca's and ours keep their templates as
class attributes, compiled when their module is imported, which this leaves alone. :func:`install` makes the
constructor (and unpickling, which rebuilds it the same way) keep the text as it is. branca's ``Div``, the one class
that passes a real template through the constructor, is not used here. ``layers`` installs it on import, before any
map can be built; tests/test_layers.py draws every layer with hostile text in every field.
"""

from __future__ import annotations

import branca.element


class Text:
    """Stands where branca expects a compiled template and renders to its own text, whatever it holds."""

    def __init__(self, source: str) -> None:
        self.source = source

    def render(self, *args, **kwargs) -> str:
        return self.source


def install() -> None:
    """Make ``branca.element.Element(text)`` keep ``text`` literally (idempotent)."""
    branca.element.Template = Text
