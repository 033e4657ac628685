"""The SVG that a book accepts: an allowlist of elements and attributes, not a denylist.

Static drawing only: shapes, text, paint servers, clipping, masks, markers and filters. No
script, no animation (<set> and <animate> can turn an attribute into `javascript:`), no
links, no foreign content (HTML or MathML), no outside resources (CSS `@import`, `url()` to
anything but `#id`). Anything else is refused, naming it, rather than silently dropped: the
author learns what to change, and the image the reader sees is the one the editor approved.

No maintained SVG sanitizer on PyPI fitted: the candidates are prototypes or first releases,
and sanitizers strip where we refuse. Inkscape's and Sodipodi's attributes and metadata
(RDF, Dublin Core, Creative Commons) are inert and allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree.ElementTree import Element

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
INERT_NAMESPACES = {
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
}
METADATA_NAMESPACES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://creativecommons.org/ns#",
    "http://web.resource.org/cc/",
}

ELEMENTS = set(
    """svg g defs title desc metadata symbol use switch style
    path rect circle ellipse line polyline polygon text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker image
    filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
    feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence""".split()
)
ATTRIBUTES = set(
    """id class style lang tabindex role aria-label aria-labelledby aria-describedby aria-hidden
    focusable version baseProfile x y width height viewBox preserveAspectRatio transform
    d pathLength points x1 y1 x2 y2 cx cy r rx ry fx fy fr dx dy rotate textLength lengthAdjust
    startOffset method spacing side href
    fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap
    stroke-linejoin stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color
    color-interpolation color-interpolation-filters color-rendering shape-rendering
    text-rendering image-rendering vector-effect paint-order display visibility overflow
    clip clip-path clip-rule mask filter marker-start marker-mid marker-end
    font font-family font-size font-size-adjust font-stretch font-style font-variant
    font-weight text-anchor text-decoration dominant-baseline alignment-baseline
    baseline-shift letter-spacing word-spacing writing-mode direction unicode-bidi
    stop-color stop-opacity flood-color flood-opacity lighting-color
    gradientUnits gradientTransform spreadMethod offset patternUnits patternContentUnits
    patternTransform clipPathUnits maskUnits maskContentUnits markerWidth markerHeight
    markerUnits refX refY orient filterUnits primitiveUnits in in2 result stdDeviation mode
    operator k1 k2 k3 k4 values type tableValues slope intercept amplitude exponent
    kernelMatrix kernelUnitLength order divisor bias targetX targetY edgeMode preserveAlpha
    surfaceScale diffuseConstant specularConstant specularExponent azimuth elevation
    pointsAtX pointsAtY pointsAtZ limitingConeAngle z scale xChannelSelector
    yChannelSelector radius baseFrequency numOctaves seed stitchTiles
    requiredFeatures requiredExtensions systemLanguage enable-background space""".split()
)
# Values that fetch, run or hide something: checked in every attribute and in CSS.
UNSAFE_VALUE = re.compile(r"javascript:|vbscript:|\bdata:(?!image/(png|jpeg);base64,)", re.I)
CSS_URL = re.compile(r"url\s*\(\s*(['\"]?)\s*([^)'\"]*)", re.I)
EMBEDDED = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*$")


def split(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def check_svg_tree(root: Element, problem: Callable[[str], Exception]) -> list[str]:
    """Refuse (raising `problem(message)`) anything off the allowlist; returns the data URIs
    of the PNG and JPEG images embedded in it, for the caller to bound."""
    namespace, local = split(str(root.tag))
    if local != "svg" or namespace not in ("", SVG):
        raise problem("this is not an SVG image (no <svg> root element)")
    embedded: list[str] = []
    check_element(root, problem, embedded, in_metadata=False)
    return embedded


def check_element(
    element: Element, problem: Callable[[str], Exception], embedded: list[str], in_metadata: bool
) -> None:
    namespace, local = split(str(element.tag))
    if namespace in ("", SVG):
        if local not in ELEMENTS:
            raise problem(f"SVG images may not contain <{local}>")
    elif not (namespace in INERT_NAMESPACES or (in_metadata and namespace in METADATA_NAMESPACES)):
        raise problem(f"SVG images may not contain other markup, such as HTML (<{local}>)")
    for name, value in element.attrib.items():
        check_attribute(element, name, value, problem, embedded)
    if local == "style":
        check_css(element.text or "", problem)
        if len(element):
            raise problem("an SVG <style> element holds only CSS")
    metadata = in_metadata or local == "metadata"
    for child in element:
        check_element(child, problem, embedded, metadata)


def check_attribute(
    element: Element,
    name: str,
    value: str,
    problem: Callable[[str], Exception],
    embedded: list[str],
) -> None:
    namespace, local = split(name)
    inert_element = split(str(element.tag))[0] not in ("", SVG)  # Inkscape's, or metadata
    allowed = (
        (namespace == "" and (local in ATTRIBUTES or inert_element))
        or (namespace == XLINK and local in ("href", "title"))
        or (namespace == XML and local in ("space", "lang"))
        or namespace in INERT_NAMESPACES
        or namespace in METADATA_NAMESPACES
    )
    if not allowed or local.lower().startswith("on"):
        shown = local if not local.lower().startswith("on") else f"{local}, an event handler"
        raise problem(f"SVG images may not have the attribute '{shown}'")
    if local == "href":
        check_href(split(str(element.tag))[1], value, problem, embedded)
    elif UNSAFE_VALUE.search(value):
        raise problem(f"SVG images may not hold script or data addresses ('{local}')")
    if local == "style" or "url" in value.lower():
        check_css(value, problem)


def check_href(
    element: str, value: str, problem: Callable[[str], Exception], embedded: list[str]
) -> None:
    value = value.strip()
    if element == "image" and EMBEDDED.match(value):
        embedded.append(value)
    elif not re.match(r"^#[A-Za-z_][\w.:-]*$", value):
        raise problem("SVG images may not link to other files or addresses")


def check_css(css: str, problem: Callable[[str], Exception]) -> None:
    """CSS may style, but not fetch (@import, url() to anything but #id) or escape (\\)."""
    lowered = css.lower()
    if "@" in css:
        raise problem("SVG images may not use CSS at-rules such as @import")
    if "\\" in css or "expression(" in lowered or "-moz-binding" in lowered:
        raise problem("SVG images may not use CSS escapes or expressions")
    if UNSAFE_VALUE.search(css):
        raise problem("SVG images may not hold script or data addresses in CSS")
    for match in CSS_URL.finditer(css):
        if not match.group(2).strip().startswith("#"):
            raise problem("SVG images may not load anything with CSS url(): only url(#id)")
