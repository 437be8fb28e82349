"""Measures, in Chromium, the smallest text of each diagram on a docs tool's page as the page
shows it: the diagram's smallest font size times the scale the page draws it at (its width on
the page over the width the SVG asks for). Fails when a diagram's text is under MIN px, or when
the page shows no diagram. The page is opened in a frame 1280 px wide (a laptop's window).

    python3 measure.py SITE_ROOT PAGE [MIN]

SITE_ROOT is served over HTTP (docs tools link assets from the site's root); PAGE is the
page's path under it.
"""
import functools
import html as entities
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading

PROBE = """<!doctype html><meta charset="utf-8"><title>measure</title>
<body style="margin:0"><iframe id="page" src="%s" style="border:0;width:1280px;height:800px"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {
  // Docs tools that render on the client (Docusaurus) settle after their load event.
  setTimeout(async function () {
    var doc = document.getElementById("page").contentDocument, out = [];
    for (const img of doc.querySelectorAll("img")) {
      if (!/\\.svg($|\\?)/.test(img.getAttribute("src") || "")) continue;
      const svg = await (await fetch(img.src)).text();
      const head = svg.slice(0, svg.indexOf(">"));
      const asked = parseFloat((head.match(/ width="([0-9.]+)"/) || [])[1]);
      const sizes = Array.from(svg.matchAll(/font-size="([0-9.]+)"/g), m => parseFloat(m[1]));
      out.push({src: img.getAttribute("src"), shown: img.getBoundingClientRect().width,
                asked: asked, smallest: Math.min.apply(null, sizes)});
    }
    document.body.setAttribute("data-measured", JSON.stringify(out));
  }, 2000);
});
</script></body>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("measure.py: no chromium on PATH")


def main():
    root, page = sys.argv[1], sys.argv[2]
    least = float(sys.argv[3]) if len(sys.argv) > 3 else 12.0
    probe = os.path.join(root, "debrief-measure.html")
    with open(probe, "w", encoding="utf-8") as f:
        f.write(PROBE % ("/" + page.replace(os.sep, "/")))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/debrief-measure.html" % server.server_address[1]
    try:
        dom = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1300,900",
             "--virtual-time-budget=15000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
        ).stdout
    finally:
        server.shutdown()
        os.remove(probe)
    found = re.search(r'data-measured="([^"]*)"', dom)
    if not found:
        sys.exit("%s: the page did not finish loading in Chromium" % page)
    measured = json.loads(entities.unescape(found.group(1)))
    problems = []
    # A tool may keep hidden copies of the page's content (mdBook's print view).
    measured = [m for m in measured if m["shown"] > 0]
    if len(measured) < 2:
        problems.append("%d diagrams shown, 2 expected" % len(measured))
    for m in measured:
        scale = m["shown"] / m["asked"] if m["asked"] else 0
        text = m["smallest"] * scale
        print("  %s: %.0f of %.0f px wide, smallest text %.1f px" % (
            os.path.basename(m["src"]), m["shown"], m["asked"], text))
        if text < least - 0.05:
            problems.append("%s: text of %.1f px, under %.0f px" % (m["src"], text, least))
    for p in problems:
        print("%s: %s" % (page, p))
    if problems:
        sys.exit(1)


main()
