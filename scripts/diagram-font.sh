#!/usr/bin/env bash
# Makes the web font that diagrams use for their text (src/render/font/):
#   debrief-sans.woff2  DejaVu Sans 2.37 (the same file the `dejavu` crate embeds), cut to Latin,
#                       Latin Extended-A and common punctuation; no hinting, and no kerning or
#                       ligature tables, so a browser lays text out with exactly the advance
#                       widths debrief measures with.
#   coverage.txt        the code points the font covers, one range per line (`20-7e`), read by
#                       src/render/svg.rs: text with any other character is drawn as outlines.
# Both come from one run, so they always agree. Needs fonttools and brotli:
#   pip install fonttools brotli
set -euo pipefail
cd "$(dirname "$0")/.."
font=$(cargo metadata --format-version 1 | python3 -c '
import json, sys
meta = json.load(sys.stdin)
[pkg] = [p for p in meta["packages"] if p["name"] == "dejavu"]
print(pkg["manifest_path"].rsplit("/", 1)[0] + "/assets/dejavu-fonts-ttf-2.37/ttf/DejaVuSans.ttf")')
out=src/render/font
unicodes="U+0020-007E,U+00A0-017F,U+2010-2027,U+2030,U+2032-2033,U+2039-203A,U+20AC,U+2122,U+2190-2195,U+2212,U+2248,U+2260,U+2264-2265,U+25CB,U+25CF,U+25D0,U+2713,U+2717"
pyftsubset "$font" --unicodes="$unicodes" --layout-features='' --no-hinting \
  --drop-tables+=kern,GPOS,GSUB,GDEF,FFTM,MATH --name-IDs='0,1,2,3,4,5,6,13,14' \
  --flavor=woff2 --output-file="$out/debrief-sans.woff2"
python3 - "$out" <<'PY'
import sys
from fontTools.ttLib import TTFont
out = sys.argv[1]
points = sorted(TTFont(f"{out}/debrief-sans.woff2").getBestCmap())
ranges = []
for p in points:
    if ranges and ranges[-1][1] == p - 1:
        ranges[-1][1] = p
    else:
        ranges.append([p, p])
with open(f"{out}/coverage.txt", "w") as f:
    f.write("".join(f"{a:x}-{b:x}\n" for a, b in ranges))
PY
cp "$(dirname "$font")/../LICENSE" "$out/LICENSE-DejaVu"
ls -l "$out"
