"""Gallery circuits to docs/figures/*.svg and *.png, through the app's own /graph.svg.

Usage: .venv/bin/python scripts/render_figures.py   (the README shows the PNGs it writes)
"""

import sys
from pathlib import Path

import cairosvg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402  (the repository root must be on the path first)
from graphlib.gallery import GALLERY  # noqa: E402

OUT_DIR = ROOT / "docs" / "figures"


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    client = create_app().test_client()
    for example in GALLERY:
        response = client.get(f"/graph.svg?{example.query}")
        if response.status_code != 200:
            sys.exit(f"{example.slug}: /graph.svg answered {response.status_code}: {response.text}")
        svg_path = OUT_DIR / f"{example.slug}.svg"
        png_path = OUT_DIR / f"{example.slug}.png"
        svg_path.write_bytes(response.data)
        cairosvg.svg2png(bytestring=response.data, write_to=str(png_path), scale=1.5,
                         background_color="white")
        print(f"wrote {svg_path.relative_to(ROOT)} and {png_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
