"""Which images a book accepts: PNG, JPEG or SVG, checked by their bytes, and SVG kept inert."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from textbook.domain.errors import InvalidInput

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.(png|jpe?g|svg)$")
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "svg": "image/svg+xml",
}
MAX_IMAGE = 10 * 1024 * 1024
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


class InvalidImage(InvalidInput):
    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def checked_image(name: str, data: bytes) -> str:
    """The image's media type, or InvalidImage saying why the book cannot take it."""
    match = NAME.match(name)
    if match is None:
        raise InvalidImage(
            f"'{name[:80]}' is not an image name: use letters, digits, '.', '_' or '-' "
            "and end in .png, .jpg or .svg"
        )
    if len(data) > MAX_IMAGE:
        raise InvalidImage(f"{len(data):,} bytes is over the limit of {MAX_IMAGE:,}")
    extension = match.group(1).lower()
    if extension == "png" and not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidImage("this is not a PNG image")
    if extension in ("jpg", "jpeg") and not data.startswith(b"\xff\xd8\xff"):
        raise InvalidImage("this is not a JPEG image")
    if extension == "svg":
        check_svg(data)
    return MEDIA_TYPES[extension]


def check_svg(data: bytes) -> None:
    if b"<!ENTITY" in data or re.search(rb"<!DOCTYPE[^>]*\[", data):
        raise InvalidImage("SVG images may not declare entities")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise InvalidImage("this is not a well-formed SVG image", error.position[0]) from None
    if root.tag not in ("svg", f"{SVG_NAMESPACE}svg"):
        raise InvalidImage("this is not an SVG image (no <svg> root element)")
    for element in root.iter():
        tag = element.tag.split("}")[-1].lower()
        if tag in ("script", "foreignobject", "iframe", "embed", "object"):
            raise InvalidImage(f"SVG images may not contain <{tag}>")
        for attribute, value in element.attrib.items():
            local = attribute.split("}")[-1].lower()
            if local.startswith("on"):
                raise InvalidImage(f"SVG images may not have event handlers ({local})")
            if local == "href" and not value.startswith(("#", "data:image/")):
                raise InvalidImage("SVG images may not link to other files or addresses")
