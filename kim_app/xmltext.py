"""Text typed by people, made safe to put into XML (Atom feeds, SVG charts).

Escaping `<`, `&` and quotes is the serializer's job; this removes what XML 1.0 cannot carry at all — control
characters a phone keyboard or a pasted message can bring — which would make a whole feed unreadable to its reader.
"""
from __future__ import annotations

import re

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))
