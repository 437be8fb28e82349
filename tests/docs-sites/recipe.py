"""Checks a docs site built by a recipe of docs/docs-sites.md, as its readers meet it: a home
page that lists every incident by title, navigation titled by the incidents' titles (not
folder names), each report with one `h1` and its sections as `h2`, and none of debrief's own
files (the HTML reports, JSON, SUMMARY.md, mkdocs.yml) turned into pages.

    python3 recipe.py mkdocs|mdbook|docusaurus OUT_DIR TITLE...
"""
import html
import os
import re
import sys


def headings(html, level):
    return re.findall(r"<h%d[^>]*>(.*?)</h%d>" % (level, level), html, re.S)


def text(fragment):
    # Docusaurus ends each heading with a zero-width space before its anchor link.
    plain = html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\u200b", "")
    return re.sub(r"\s+", " ", plain).strip()


def main():
    tool, out, titles = sys.argv[1], sys.argv[2], sys.argv[3:]
    problems = []
    files = []
    for folder, _, names in os.walk(out):
        files += [os.path.relpath(os.path.join(folder, n), out) for n in names]
    if tool == "mkdocs":
        home = os.path.join(out, "index.html")
        reports = [f for f in files if f.endswith("report/index.html")]
        stray = [
            f
            for f in files
            if f.endswith(("incident.json", "mkdocs.yml"))
            or f.startswith("SUMMARY")
            or re.fullmatch(r"[^/]+/index\.html", f)
        ]
    elif tool == "docusaurus":
        home = os.path.join(out, "index.html")
        reports = [f for f in files if f.endswith("report/index.html")]
        # Every page is a folder's index.html: the home page, the reports, the tag pages, 404.
        pages = [f for f in files if f.endswith(".html")]
        stray = [
            f
            for f in pages
            if f not in reports
            and f not in ("index.html", "404.html")
            and not f.startswith("tags/")
        ]
    else:
        home = os.path.join(out, "index.html")
        reports = [f for f in files if f.endswith("/report.html")]
        # mdBook copies every file of its source folder; what matters is what it shows.
        stray = [f for f in files if f.startswith("SUMMARY")]
    if stray:
        problems.append("files that are not pages: %s" % sorted(stray))
    if not os.path.isfile(home):
        problems.append("no home page (%s)" % home)
    else:
        page = open(home, encoding="utf-8").read()
        # mdBook 0.5 draws the sidebar of every page, the home page included, from toc.html.
        toc = os.path.join(out, "toc.html")
        if tool == "mdbook" and os.path.isfile(toc):
            page += open(toc, encoding="utf-8").read()
        for title in titles:
            if title not in text(page):
                problems.append("the home page does not name %r" % title)
        if re.search(r">\s*\d{4} \d{2} \d{2} [a-z]", page):
            problems.append("the navigation shows a folder name")
    if len(reports) != len(titles):
        problems.append("%d report pages for %d incidents: %s" % (len(reports), len(titles), reports))
    for report in reports:
        page = open(os.path.join(out, report), encoding="utf-8").read()
        marker = {"mkdocs": 'role="main"', "docusaurus": "theme-doc-markdown"}.get(tool, "<main>")
        main_part = page.split(marker, 1)[-1]
        h1 = [text(h) for h in headings(main_part, 1)]
        h2 = [text(h) for h in headings(main_part, 2)]
        if len(h1) != 1 or h1[0] not in titles:
            problems.append("%s: the h1 headings are %r" % (report, h1))
        for section in ("Timeline",):
            if section not in h2:
                problems.append("%s: no %s section among %r" % (report, section, h2))
        if "Notes" in h1:
            problems.append("%s: Notes is a page title" % report)
    for p in problems:
        print("%s: %s" % (tool, p))
    if problems:
        sys.exit(1)
    print("%s: home page, %d reports titled, headings in one scheme, no stray pages" % (tool, len(reports)))


main()
