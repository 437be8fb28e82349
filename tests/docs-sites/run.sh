#!/usr/bin/env bash
# Builds report.md of the sample incident and of a stress incident (tests/docs-sites/stress)
# with three real docs tools, and checks each page with check.py: the tool reports no warning,
# both diagrams show, and every text reaches the page exactly as typed.
#   - MkDocs: `mkdocs build --strict` over the built site's incidents/ folder;
#   - mdBook: `mdbook build` with the SUMMARY.md the build writes, smart punctuation on, and
#     `debrief mdbook` as the preprocessor that removes the front matter;
#   - Docusaurus 3's MDX: @mdx-js/mdx 3 with remark-gfm and remark-frontmatter (render-mdx.mjs).
# Then it runs the recipes of docs/docs-sites.md verbatim, Docusaurus 3 included (a whole site,
# from docusaurus/package-lock.json), and measures the diagrams' text on each tool's report
# pages in Chromium (measure.py).
# Needs python3 with mkdocs, and mdbook, node, npm and chromium on PATH; .ci/run installs them.
# A missing tool is an error, not a skip.
#
#   bash tests/docs-sites/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/target/docs-sites

missing=()
for tool in mdbook node npm python3 chromium; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
python3 -m mkdocs --version >/dev/null 2>&1 || missing+=("mkdocs (python3 -m mkdocs)")
python3 -c 'import material' >/dev/null 2>&1 || missing+=("mkdocs-material (python3 -m pip)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "docs-sites: ${missing[*]} not installed; .ci/run shows how CI installs them" >&2
  exit 1
fi

cargo build -q --manifest-path "$root/Cargo.toml"
bin=$root/target/debug/debrief
rm -rf "$work"
mkdir -p "$work/node"
cp "$here/package.json" "$here/package-lock.json" "$here/render-mdx.mjs" "$work/node/"
(cd "$work/node" && npm ci --silent --no-audit --no-fund >/dev/null)

failed=0
check() { python3 "$here/check.py" "$@" || failed=1; }
# A tool's log with a warning or an error in it fails the run.
clean() {
  if grep -E -i '(^|[^a-z])(warn|warning|error)([^a-z]|$)' "$1"; then
    echo "$1: the tool reported the lines above" >&2
    failed=1
  fi
}

for case in "sample:$root/sample-incident" "stress:$here/stress"; do
  name=${case%%:*}
  dir=${case#*:}
  id=$(basename "$dir")
  out=$work/$name
  mkdir -p "$out"
  "$bin" build "$dir" --out "$out/site" --today 2026-12-01 >/dev/null
  expected=$here/$name.expected
  echo "== $name: MkDocs $(python3 -m mkdocs --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')"
  printf 'site_name: Postmortems\ndocs_dir: site/incidents\nsite_dir: mkdocs\n' > "$out/mkdocs.yml"
  python3 -m mkdocs build --strict -f "$out/mkdocs.yml" > "$out/mkdocs.log" 2>&1 || { cat "$out/mkdocs.log"; failed=1; }
  clean "$out/mkdocs.log"
  check "$out/mkdocs/$id/report/index.html" "$expected"
  python3 "$here/measure.py" "$out/mkdocs" "$id/report/index.html" || failed=1
  # MkDocs Material has a narrower content column than MkDocs' own theme.
  printf 'site_name: Postmortems\ndocs_dir: site/incidents\nsite_dir: material\ntheme:\n  name: material\n' > "$out/material.yml"
  NO_MKDOCS_2_WARNING=1 python3 -m mkdocs build --strict -f "$out/material.yml" > "$out/material.log" 2>&1 || { cat "$out/material.log"; failed=1; }
  python3 "$here/measure.py" "$out/material" "$id/report/index.html" || failed=1

  echo "== $name: $(mdbook --version)"
  mkdir -p "$out/book"
  cat > "$out/book/book.toml" <<TOML
[book]
title = "Postmortems"
src = "../site/incidents"

[output.html]
smart-punctuation = true

[preprocessor.debrief]
command = "$bin mdbook"
TOML
  mdbook build "$out/book" > "$out/mdbook.log" 2>&1 || { cat "$out/mdbook.log"; failed=1; }
  clean "$out/mdbook.log"
  check "$out/book/book/$id/report.html" "$expected"
  python3 "$here/measure.py" "$out/book/book" "$id/report.html" || failed=1

  echo "== $name: MDX $(node -p "require('$work/node/node_modules/@mdx-js/mdx/package.json').version") (Docusaurus 3)"
  node "$work/node/render-mdx.mjs" "$out/site/incidents/$id/report.md" "$out/mdx.html" || failed=1
  check "$out/mdx.html" "$expected" --images-from "$out/site/incidents/$id"
done

# The recipes of docs/docs-sites.md, exactly as the page writes them: its files and its
# commands are read from the blocks after `<!-- ci: NAME -->`, so the page cannot drift.
recipe() {
  awk -v tag="<!-- ci: $1 -->" '
    seen && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
    $0 == tag { seen = 1 }' "$root/docs/docs-sites.md"
}
titles=("Checkout API returned 500s for 38 minutes" "$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["title"])' "$here/stress/incident.toml")")
for tool in mkdocs mdbook docusaurus; do
  dir=$work/recipe-$tool
  mkdir -p "$dir/incidents"
  cp -r "$root/sample-incident" "$dir/incidents/2026-11-03-checkout-500s"
  cp -r "$here/stress" "$dir/incidents/$(basename "$here/stress")"
  case $tool in
    mkdocs) recipe mkdocs.yml > "$dir/mkdocs.yml"; built=$dir/postmortems ;;
    mdbook) recipe book.toml > "$dir/book.toml"; built=$dir/book ;;
    docusaurus)
      # A Docusaurus 3 site with the classic preset, as `create-docusaurus` leaves one.
      cp "$here/docusaurus/package.json" "$here/docusaurus/package-lock.json" "$dir/"
      (cd "$dir" && npm ci --silent --no-audit --no-fund >/dev/null)
      recipe docusaurus.config.js > "$dir/docusaurus.config.js"
      built=$dir/build ;;
  esac
  commands=$(recipe "$tool")
  [ -n "$commands" ] || { echo "docs/docs-sites.md has no \`<!-- ci: $tool -->\` recipe" >&2; failed=1; continue; }
  echo "== the $tool recipe of docs/docs-sites.md, verbatim:"
  echo "$commands" | sed 's/^/   $ /'
  # `debrief` is the binary just built; `mkdocs` is MkDocs however Python installed it.
  (cd "$dir" && PATH="$root/target/debug:$PATH" bash -euo pipefail -c "mkdocs() { python3 -m mkdocs \"\$@\"; }; $commands") > "$dir/log" 2>&1 \
    || { cat "$dir/log"; failed=1; }
  clean "$dir/log"
  python3 "$here/recipe.py" "$tool" "$built" "${titles[@]}" || failed=1
  if [ "$tool" = docusaurus ]; then
    for id in 2026-11-03-checkout-500s "$(basename "$here/stress")"; do
      check "$built/$id/report/index.html" "$here/$([ "$id" = stress ] && echo stress || echo sample).expected" --site-root "$built"
      python3 "$here/measure.py" "$built" "$id/report/index.html" || failed=1
    done
  fi
done
node "$work/node/render-mdx.mjs" "$work/recipe-mkdocs/site/incidents/index.md" "$work/home.html" || failed=1

# MkDocs Material with its tags plugin, as its users run it: it puts every front-matter tag
# into the page. An incident whose tags and title are markup must come out inert.
echo "== hostile front matter: MkDocs Material $(python3 -c 'import material; print(material.__version__)') with the tags plugin"
out=$work/hostile
mkdir -p "$out"
"$bin" build "$here/hostile" --out "$out/site" --today 2026-12-01 >/dev/null
printf 'site_name: Postmortems\ndocs_dir: site/incidents\nsite_dir: material\ntheme:\n  name: material\nplugins:\n  - search\n  - tags\n' > "$out/mkdocs.yml"
NO_MKDOCS_2_WARNING=1 python3 -m mkdocs build -f "$out/mkdocs.yml" > "$out/material.log" 2>&1 || { cat "$out/material.log"; failed=1; }
python3 "$here/inert.py" "$out/material/hostile/report/index.html" "deploy" "＜img src=x onerror=alert(3)＞" || failed=1

if [ "$failed" -ne 0 ]; then
  echo "docs-sites: FAILED" >&2
  exit 1
fi
echo "docs-sites: 2 incidents x 3 tools built with no warnings; every text and diagram checked; diagram text measured in Chromium; the MkDocs, mdBook and Docusaurus recipes run verbatim; hostile front matter inert in MkDocs Material"
