"""Which images a book accepts: PNG, JPEG or SVG, checked by their bytes, bounded in pixels,
and SVG kept inert by an allowlist of elements and attributes.

Pixel dimensions are read from the headers only (PNG's IHDR, JPEG's SOF marker, SVG's
width, height or viewBox): a decompression bomb is refused without ever being decoded.
"""

from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from textbook.domain.errors import InvalidInput
from textbook.domain.svg import check_svg_tree

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.(png|jpe?g|svg)$")
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "svg": "image/svg+xml",
}
MAX_IMAGE = 10 * 1024 * 1024
# 40 megapixels decode to 160 MB of RGBA in a reader's browser or in WeasyPrint; a full-page
# figure printed at 600 dpi on our 170 mm page is about 4,000 px wide, so 10,000 px a side and
# 40 MP in all leave room for any real figure while bounding what one image can cost to show.
MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers: C0-CF except C4 (DHT), C8 (JPG) and CC (DAC).
SOF_MARKERS = {0xC0 + n for n in range(16)} - {0xC4, 0xC8, 0xCC}
JPEG_START = b"\xff\xd8\xff"
XML_DECLARATION = re.compile(r"<\?xml[\s?][^>]*\?>")


class InvalidImage(InvalidInput):
    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def checked_image(name: str, data: bytes) -> str:
    """The image's media type, or InvalidImage saying why the book cannot take it."""
    match = NAME.fullmatch(name)
    if match is None:
        raise InvalidImage(
            f"'{name[:80]}' is not an image name: use letters, digits, '.', '_' or '-' "
            "and end in .png, .jpg or .svg"
        )
    if len(data) > MAX_IMAGE:
        raise InvalidImage(f"{len(data):,} bytes is over the limit of {MAX_IMAGE:,}")
    extension = match.group(1).lower()
    found = "png" if data.startswith(PNG_SIGNATURE) else "jpg" if data[:3] == JPEG_START else ""
    if found and found != extension.replace("jpeg", "jpg"):  # say so, rather than "not UTF-8"
        kind = "PNG" if found == "png" else "JPEG"
        raise InvalidImage(f"this is a {kind} image: its name must end in .{found}")
    if extension == "png":
        check_pixels(*png_size(data))
    elif extension in ("jpg", "jpeg"):
        check_pixels(*jpeg_size(data))
    else:
        check_svg(data)
    return MEDIA_TYPES[extension]


def check_pixels(width: float, height: float) -> None:
    if width <= 0 or height <= 0:
        raise InvalidImage("the image has no size (a width or height of 0)")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InvalidImage(
            f"the image is {width:,.0f} x {height:,.0f} pixels; at most {MAX_SIDE:,} a side "
            f"and {MAX_PIXELS // 1_000_000} megapixels in all"
        )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    if not data.startswith(PNG_SIGNATURE):
        raise InvalidImage("this is not a PNG image")
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise InvalidImage("this PNG image has no header (IHDR)")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first start-of-frame marker, walking the segments."""
    if not data.startswith(JPEG_START):
        raise InvalidImage("this is not a JPEG image")
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if marker in SOF_MARKERS:
            if at + 9 > len(data):
                break
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return width, height
        if marker in (0xD9, 0xDA) or length < 2:  # end of image, or the scan: no frame seen
            break
        at += 2 + length
    raise InvalidImage("this JPEG image has no frame header (SOF) giving its size")


def check_svg(data: bytes) -> None:
    """Refuse, naming the reason, any SVG that could run script, fetch anything or draw huge.

    Parsed with defusedxml (no entities, no external references); then every element and
    attribute must be on the allowlist in textbook.domain.svg, rather than off a denylist.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidImage("SVG images must be UTF-8 text") from None
    # ElementTree drops processing instructions; xml-stylesheet would fetch and apply CSS.
    body = text.lstrip("\ufeff \t\r\n")
    if XML_DECLARATION.match(body):
        body = body[body.index("?>") + 2 :]
    if "<?" in body:
        raise InvalidImage("SVG images may not contain processing instructions (xml-stylesheet)")
    if "<!ENTITY" in text:
        raise InvalidImage("SVG images may not declare entities")
    parser = DefusedXMLParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException:
        raise InvalidImage(
            "SVG images may not declare entities or refer to outside files"
        ) from None
    except ElementTree.ParseError as error:
        raise InvalidImage("this is not a well-formed SVG image", error.position[0]) from None
    embedded = check_svg_tree(root, InvalidImage)
    check_pixels(*svg_size(root))
    for uri in embedded:
        check_embedded(uri)


def check_embedded(uri: str) -> None:
    """A PNG or JPEG inside an SVG, as a base64 data URI: bounded in pixels like any other."""
    header, _, payload = uri.partition(",")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImage("an image inside the SVG is not valid base64") from None
    if header.startswith("data:image/png"):
        check_pixels(*png_size(data))
    else:
        check_pixels(*jpeg_size(data))


UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}
LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-z%]*)\s*$")


def svg_size(root: ElementTree.Element) -> tuple[float, float]:
    """The size the SVG declares, in CSS pixels: width and height, else the viewBox's."""
    view_box = [part for part in re.split(r"[\s,]+", root.get("viewBox", "").strip()) if part]
    box = (1.0, 1.0)
    if view_box:
        try:
            box = (float(view_box[2]), float(view_box[3]))
        except (IndexError, ValueError):
            raise InvalidImage("the SVG's viewBox is not four numbers") from None
    return pixels(root.get("width"), box[0]), pixels(root.get("height"), box[1])


def pixels(value: str | None, fallback: float) -> float:
    if value is None:
        return fallback
    match = LENGTH.match(value)
    if match is None:
        raise InvalidImage(f"the SVG's size '{value[:40]}' is not a length")
    number, unit = float(match.group(1)), match.group(2)
    if unit in ("%", "em", "ex", "rem"):
        return fallback if unit == "%" else number * 16
    if unit not in UNITS:
        raise InvalidImage(f"the SVG's size '{value[:40]}' has an unknown unit")
    return number * UNITS[unit]


IMAGE_REFERENCE = re.compile(
    r"!\[(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*\]\(\s*<?(images/[^\s)>]*)"  # ![alt](images/x.png)
)
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(images/[^\s>]*)", re.MULTILINE)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)


def image_names(lines: list[str]) -> list[str]:
    """The names of the images (`images/NAME`) that Markdown lines show, in order, once each."""
    text = CODE_SPAN.sub("", "\n".join(lines))
    found = [m.group(1) for m in IMAGE_REFERENCE.finditer(text)]
    found += [m.group(1) for m in REFERENCE_DEFINITION.finditer(text)]
    return list(dict.fromkeys(target.removeprefix("images/") for target in found))


_PASSED: dict[tuple[str, str], bool] = {}


def passes_today(name: str, sha256: str, data: bytes) -> bool:
    """Whether an image already stored passes today's checks (remembered by name and hash).

    Images stored before a check was added (an SVG with <set>, say) are not published.
    """
    key = (name, sha256)
    if key not in _PASSED:
        try:
            checked_image(name, data)
        except InvalidImage:
            _PASSED[key] = False
        else:
            _PASSED[key] = True
    return _PASSED[key]
