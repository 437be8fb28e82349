// debrief's search: runs in the browser over the static index in search/ (no server).
// A query's words match indexed words exactly, as a prefix, or (words of five letters or
// more) with one edit. Results are ranked by how well and where the words matched, and can be
// narrowed by severity, service, tag, factor category and year.
(function () {
  "use strict";
  var base = "search/";
  var cache = {};
  function load(path) {
    if (!cache[path]) {
      cache[path] = fetch(base + path).then(function (r) {
        if (!r.ok) throw new Error(path + ": HTTP " + r.status);
        return r.json();
      });
    }
    return cache[path];
  }
  function words(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) {
      return w.length >= 2;
    });
  }
  // Whether a and b differ by at most one insertion, deletion or substitution.
  function oneEdit(a, b) {
    if (Math.abs(a.length - b.length) > 1) return false;
    var i = 0, j = 0, edits = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { i++; j++; continue; }
      if (++edits > 1) return false;
      if (a.length > b.length) i++;
      else if (a.length < b.length) j++;
      else { i++; j++; }
    }
    return edits + (a.length - i) + (b.length - j) <= 1;
  }
  function shard(word) {
    var c = word.charAt(0);
    return /[a-z0-9]/.test(c) ? c : "_";
  }
  // For each query word, the indexed words it matches and how well (1 exact, 0.7 prefix,
  // 0.5 one typo).
  function expand(query, vocabulary) {
    return words(query).map(function (q) {
      var found = [];
      for (var k = 0; k < vocabulary.length; k++) {
        var w = vocabulary[k];
        if (w === q) found.push([w, 1]);
        else if (w.length > q.length && w.lastIndexOf(q, 0) === 0) found.push([w, 0.7]);
        else if (q.length >= 5 && oneEdit(q, w)) found.push([w, 0.5]);
      }
      return found;
    });
  }
  var FACETS = [
    ["s", "Severity"], ["sv", "Service"], ["tg", "Tag"], ["c", "Factor category"], ["y", "Year"]
  ];
  function values(doc, key) {
    if (key === "y") return doc.d ? [doc.d.slice(0, 4)] : [];
    var v = doc[key];
    return v == null ? [] : Array.isArray(v) ? v : [v];
  }
  var chosen = {};
  function render(hits, docs) {
    var results = document.getElementById("results");
    var facets = document.getElementById("facets");
    var shown = hits.filter(function (h) {
      return FACETS.every(function (f) {
        var want = chosen[f[0]];
        return !want || values(docs[h.doc], f[0]).indexOf(want) >= 0;
      });
    });
    results.textContent = "";
    shown.slice(0, 100).forEach(function (h) {
      var d = docs[h.doc];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "incidents/" + encodeURIComponent(d.i) + "/index.html";
      a.textContent = d.t;
      li.appendChild(a);
      var meta = document.createElement("small");
      meta.textContent = " " + [d.d, d.s].concat(d.sv || []).filter(Boolean).join(" · ");
      li.appendChild(meta);
      if (d.x) {
        var p = document.createElement("p");
        p.textContent = d.x;
        li.appendChild(p);
      }
      results.appendChild(li);
    });
    facets.textContent = "";
    FACETS.forEach(function (f) {
      var counts = {};
      hits.forEach(function (h) {
        values(docs[h.doc], f[0]).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
      });
      var names = Object.keys(counts).sort();
      if (names.length === 0) return;
      var label = document.createElement("label");
      label.textContent = f[1];
      var select = document.createElement("select");
      select.name = f[0];
      var any = document.createElement("option");
      any.value = "";
      any.textContent = "any";
      select.appendChild(any);
      names.forEach(function (n) {
        var o = document.createElement("option");
        o.value = n;
        o.textContent = n + " (" + counts[n] + ")";
        if (chosen[f[0]] === n) o.selected = true;
        select.appendChild(o);
      });
      select.addEventListener("change", function () {
        chosen[f[0]] = select.value;
        render(hits, docs);
      });
      label.appendChild(select);
      facets.appendChild(label);
    });
    facets.hidden = hits.length === 0;
    status(shown.length === hits.length
      ? hits.length + (hits.length === 1 ? " incident" : " incidents") + " found"
      : shown.length + " of " + hits.length + " incidents shown");
  }
  function status(text) {
    document.getElementById("search-status").textContent = text;
  }
  function search(query) {
    var started = performance.now();
    return Promise.all([load("docs.json"), load("words.json")]).then(function (loaded) {
      var docs = loaded[0], vocabulary = loaded[1];
      var expanded = expand(query, vocabulary);
      if (expanded.length === 0) {
        status("Type a word to search for.");
        return;
      }
      var shards = {};
      expanded.forEach(function (m) { m.forEach(function (x) { shards[shard(x[0])] = true; }); });
      return Promise.all(Object.keys(shards).map(function (s) {
        return load("w/" + s + ".json").then(function (p) { return [s, p]; });
      })).then(function (loadedShards) {
        var postings = {};
        loadedShards.forEach(function (x) { postings[x[0]] = x[1]; });
        // Every query word must match; a document's score adds each word's best match.
        var scores = null;
        expanded.forEach(function (matches) {
          var best = {};
          matches.forEach(function (m) {
            var list = postings[shard(m[0])][m[0]] || [];
            for (var k = 0; k < list.length; k += 2) {
              var s = m[1] * list[k + 1];
              if (!(best[list[k]] >= s)) best[list[k]] = s;
            }
          });
          if (scores === null) scores = best;
          else {
            var next = {};
            Object.keys(best).forEach(function (d) {
              if (d in scores) next[d] = scores[d] + best[d];
            });
            scores = next;
          }
        });
        var hits = Object.keys(scores || {}).map(function (d) {
          return { doc: +d, score: scores[d] };
        }).sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
        render(hits, docs);
        document.body.setAttribute("data-search-ms", String(Math.round(performance.now() - started)));
      });
    }).catch(function (e) {
      status("The search index could not be loaded: " + e.message);
    });
  }
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value;
    history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    chosen = {};
    search(q);
  });
  var params = new URLSearchParams(location.search);
  var q = params.get("q");
  if (q) {
    input.value = q;
    search(q);
  }
})();
