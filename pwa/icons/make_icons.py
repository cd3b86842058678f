"""Draw the app's icons (a lumbung, the rice barn, on green) with Pillow: run once, commit the PNGs.

.venv/bin/python pwa/icons/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
GREEN = (21, 87, 36)  # the theme colour, #155724
CREAM = (255, 244, 214)


def barn(draw, size, scale):
    """A barn: a wide roof over a body on stilts, drawn within `scale` of the canvas."""
    c = size / 2
    unit = size * scale / 10
    roof = [(c - 4.6 * unit, c - 0.4 * unit), (c, c - 4.4 * unit), (c + 4.6 * unit, c - 0.4 * unit)]
    draw.polygon(roof, fill=CREAM)
    draw.rectangle([c - 3 * unit, c - 0.8 * unit, c + 3 * unit, c + 2.4 * unit], fill=CREAM)
    draw.rectangle([c - 0.8 * unit, c + 0.4 * unit, c + 0.8 * unit, c + 2.4 * unit], fill=GREEN)
    for x in (-2.6, 2.0):
        draw.rectangle([c + x * unit, c + 2.4 * unit, c + (x + 0.6) * unit, c + 4 * unit], fill=CREAM)


def icon(size, maskable=False):
    """An icon: rounded on transparent, or full-bleed (maskable) with the barn in the safe zone."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, size, size], fill=GREEN)
        barn(draw, size, 0.62)  # inside the 80% circle every mask keeps
    else:
        draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 6, fill=GREEN)
        barn(draw, size, 0.86)
    return image.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)


def main():
    for size in (32, 192, 512):
        icon(size).save(HERE / f"icon-{size}.png", optimize=True)
    icon(512, maskable=True).save(HERE / "maskable-512.png", optimize=True)
    icon(180, maskable=True).save(HERE / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
