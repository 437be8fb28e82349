"""Checks that a page built by a docs tool holds no element or attribute that debrief's text
could have made: no <img src=x>, no <script> from the incident, no on* event attribute, and
that each hostile tag is still shown as text.

    python3 inert.py PAGE TEXT...
"""
import sys
from html.parser import HTMLParser


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.text = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag}> has an event attribute {name}={value!r}")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.problems.append("an <img src=x> element")
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and "alert(" in data:
            self.problems.append(f"a script element runs {data.strip()[:60]!r}")
        self.text.append(data)


def main():
    page, *texts = sys.argv[1:]
    parser = Elements()
    with open(page, encoding="utf-8") as f:
        parser.feed(f.read())
    shown = "".join(parser.text)
    for t in texts:
        if t not in shown:
            parser.problems.append(f"{t!r} is not shown as text")
    if parser.problems:
        print(f"{page}:")
        for p in parser.problems:
            print(f"  - {p}")
        sys.exit(1)
    print(f"{page}: no markup from front matter; {len(texts)} texts shown")


if __name__ == "__main__":
    main()
