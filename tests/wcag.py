"""Colour arithmetic for the contrast tests: WCAG 2.x relative luminance and contrast ratio, and
the CIELAB (1976) difference that says whether a background stands out from the paper.

https://www.w3.org/TR/WCAG21/#dfn-relative-luminance and #dfn-contrast-ratio.
"""

import re

AA_TEXT = 4.5  # WCAG 2.x AA for text under 18 pt (14 pt bold): every number and label here
# A flag must stand out from the paper: CIE76 colour difference (2.3 is just noticeable).
FLAG_DIFFERENCE = 30


def rgb(colour):
    """(r, g, b) in 0..255 of "#rrggbb", "#rgb", "rgb(r, g, b)" or "rgba(r, g, b, a)" (alpha
    dropped: the callers blend it first, see `blend`), or of SVG's "white" and "black"."""
    colour = {"white": "#ffffff", "black": "#000000"}.get(colour.strip(), colour.strip())
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(digit * 2 for digit in digits)
        return tuple(int(digits[index:index + 2], 16) for index in (0, 2, 4))
    channels = re.fullmatch(r"rgba?\(([^)]*)\)", colour)
    assert channels, colour
    return tuple(round(float(part)) for part in channels.group(1).replace("/", ",").split(",")[:3])


def alpha(colour):
    """The alpha of an rgba() colour, 1 for any other; "transparent" is 0."""
    if colour.strip() == "transparent":
        return 0.0
    channels = re.fullmatch(r"rgba\(([^)]*)\)", colour.strip())
    return float(channels.group(1).replace("/", ",").split(",")[3]) if channels else 1.0


def blend(colour, under):
    """`colour` (possibly translucent) painted over the opaque `under`, as "#rrggbb"."""
    weight = alpha(colour)
    if weight == 0:
        return under
    top, bottom = rgb(colour), rgb(under)
    return "#" + "".join(f"{round(weight * a + (1 - weight) * b):02x}" for a, b in zip(top, bottom))


def _linear(channel):
    channel /= 255
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(colour):
    red, green, blue = (_linear(channel) for channel in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one, other):
    """WCAG's contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _lab(colour):
    red, green, blue = (_linear(channel) for channel in rgb(colour))
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047  # sRGB to XYZ, D65 white
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def difference(one, other):
    """CIE76 colour difference between two colours."""
    return sum((a - b) ** 2 for a, b in zip(_lab(one), _lab(other))) ** 0.5
