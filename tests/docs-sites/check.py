"""Checks a report as a docs tool built it: every expected text is on the page exactly as
typed, every diagram the report shows is there, and nothing typed became markup.

    python3 check.py PAGE.html EXPECTED.txt [--images-from DIR] [--site-root DIR]

EXPECTED.txt holds one visible text per line (blank lines and lines starting with `#` are
skipped); `href: URL` lines name a link that must be on the page, and `raw-absent: TEXT`
lines something typed that must not reach the HTML as markup (a tag). Image sources are resolved
against the page's folder, or DIR when given (MDX renders without copying files); sources
that start with `/` against the site's root (Docusaurus moves images to `/assets/images/`, with
a hash in their names).
"""
import html.parser
import os
import re
import sys
from urllib.parse import unquote


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.images = []
        self.hrefs = []
        self.scripts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
            self.scripts.append(attrs.get("src") or "")
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def main():
    page_path, expected_path = sys.argv[1], sys.argv[2]
    images_from = site_root = None
    if "--images-from" in sys.argv:
        images_from = sys.argv[sys.argv.index("--images-from") + 1]
    if "--site-root" in sys.argv:
        site_root = sys.argv[sys.argv.index("--site-root") + 1]
    raw = open(page_path, encoding="utf-8").read()
    page = Page()
    page.feed(raw)
    text = re.sub(r"\s+", " ", "".join(page.text))
    problems = []
    expected = [
        line
        for line in open(expected_path, encoding="utf-8").read().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for line in expected:
        if line.startswith("raw-absent: "):
            unwanted = line[len("raw-absent: "):]
            if unwanted in raw:
                problems.append(f"{unwanted!r} is in the page's HTML as markup")
            continue
        if line.startswith("href: "):
            want = line[len("href: "):]
            if want not in page.hrefs:
                problems.append(f"no link to {want!r}; links: {page.hrefs[:40]}")
            continue
        want = re.sub(r"\s+", " ", line.strip())
        if want not in text:
            problems.append(f"text not on the page as typed: {want!r}")
    # The diagrams drawn for a docs column: both shown, both present.
    names = [os.path.basename(unquote(src)) for src in page.images]
    for diagram in ("timeline-narrow", "flow-narrow"):
        if not any(re.fullmatch(diagram + r"(-[0-9a-f]+)?\.svg", n) for n in names):
            problems.append(f"{diagram}.svg is not shown (images: {page.images})")
    base = images_from or os.path.dirname(page_path)
    for src in page.images:
        if src.startswith(("http:", "https:", "data:")):
            continue
        if src.startswith("/"):
            if site_root is None:
                problems.append(f"image {src!r} is absolute and no --site-root was given")
                continue
            path = os.path.normpath(os.path.join(site_root, unquote(src).lstrip("/")))
        else:
            path = os.path.normpath(os.path.join(base, unquote(src)))
        if not os.path.isfile(path):
            problems.append(f"image {src!r} does not resolve to a file ({path})")
    # Nothing typed may become a live element.
    if re.search(r"<script>\s*alert", raw, re.I):
        problems.append("a typed <script> became a script element")
    if "title: " in text and "severity: " in text:
        problems.append("the YAML front matter is shown as text")
    if problems:
        print(f"{page_path}:")
        for p in problems:
            print(f"  - {p}")
        sys.exit(1)
    print(f"{page_path}: all {len(expected)} expected texts and links, both diagrams")


if __name__ == "__main__":
    main()
