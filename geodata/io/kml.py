"""KML before GDAL sees it: placemarks counted over the whole file, folders flattened into one layer.

GDAL's LIBKML driver makes a layer of every folder and parses the whole file
each time a layer is opened, so reading 3 000 folders one by one parsed the
file 3 000 times (minutes for 600 KB), and a record cap applied per folder let
five folders of 80 pass a cap of 100. Here, instead:

* :func:`count_placemarks` counts ``<Placemark`` in a streaming byte scan
  (1 MB at a time, any namespace prefix), before any parser runs: every folder
  and nested document of the file counts, and a file over the cap is refused
  before it costs memory. Text that merely looks like a placemark (in a
  comment or CDATA) counts too: the count can only err on the safe side;
* :func:`flatten` rewrites a KML of many folders into one document holding
  every placemark as it was (and the ``<Schema>`` definitions their
  ``SchemaData`` refers to), in one streaming pass with defusedxml (no entity
  expansion, no external entities), so GDAL parses the file once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from defusedxml.ElementTree import iterparse

_PLACEMARK = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?Placemark[\s>/]")
_OVERLAP = 64  # longer than any match, so one cut between two chunks is seen whole in the next
CHUNK = 1024 * 1024


def count_placemarks(path: Path) -> int:
    """How many ``<Placemark`` elements ``path`` has, over the whole file (see module doc)."""
    count, tail = 0, b""
    for chunk in _utf8_chunks(path):
        buf = tail + chunk
        count += sum(1 for m in _PLACEMARK.finditer(buf) if m.end() > len(tail))  # not counted before
        tail = buf[-_OVERLAP:]
    return count


def _utf8_chunks(path: Path) -> Iterator[bytes]:
    """The file's bytes, 1 MB at a time; a UTF-16 file (which GDAL reads too) transcoded to UTF-8 on the way."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    codec = None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    elif b"\x00" in head:
        codec = "utf-16-be" if head.startswith(b"\x00") else "utf-16-le"
    if codec is None:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
        return
    with open(path, encoding=codec, errors="replace") as fh:
        while text := fh.read(CHUNK):
            yield text.encode("utf-8")


def _name(qualified: str, prefixes: dict[str, str], default: str) -> str:
    """An ElementTree ``{uri}local`` name as written: bare in the document's own namespace, else with a prefix."""
    if not qualified.startswith("{"):
        return qualified
    uri, local = qualified[1:].split("}", 1)
    if uri == default:
        return local
    prefix = prefixes.setdefault(uri, f"ns{len(prefixes)}")
    return f"{prefix}:{local}"


def _xml(element, prefixes: dict[str, str], default: str) -> str:
    """One element and its children as XML text (without its tail), without recursion (nesting may be deep)."""
    out: list[str] = []
    stack = [(element, False)]
    while stack:
        node, closing = stack.pop()
        tag = _name(node.tag, prefixes, default)
        if closing:
            out.append(f"</{tag}>")
            if node.tail and node is not element:
                out.append(escape(node.tail))
            continue
        attrs = "".join(f" {_name(k, prefixes, default)}={quoteattr(v)}" for k, v in node.attrib.items())
        out.append(f"<{tag}{attrs}>{escape(node.text or '')}")
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(out)


def flatten(path: Path, out: Path) -> Path:
    """``path`` rewritten as ``out``: one ``<Document>`` with every placemark of every folder, in file order."""
    default: str | None = None
    prefixes: dict[str, str] = {}
    schemas: list[str] = []
    depth = 0  # inside a placemark (they do not nest, but a hostile file may try)
    body = out.with_suffix(".body")
    with open(body, "w", encoding="utf-8") as placemarks:
        for event, element in iterparse(str(path), events=("start", "end")):
            local = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if default is None:
                    default = element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""
                depth += local == "Placemark"
                continue
            if local == "Placemark":
                depth -= 1
                if depth == 0:
                    placemarks.write(_xml(element, prefixes, default or ""))
                    element.clear()
            elif local == "Schema" and depth == 0:
                schemas.append(_xml(element, prefixes, default or ""))
                element.clear()
            elif local in ("Folder", "Document") and depth == 0:
                element.clear()  # its placemarks are written already: memory stays flat
    declared = "".join(f" xmlns:{p}={quoteattr(uri)}" for uri, p in prefixes.items())
    own = f" xmlns={quoteattr(default)}" if default else ""
    with open(out, "w", encoding="utf-8") as fh, open(body, encoding="utf-8") as marks:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?><kml{own}{declared}><Document>{"".join(schemas)}')
        while chunk := marks.read(CHUNK):
            fh.write(chunk)
        fh.write("</Document></kml>")
    body.unlink()
    return out
