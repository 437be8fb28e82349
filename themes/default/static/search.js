// debrief's search: runs in the browser over the static index in search/ (no server).
// A query's words match indexed words exactly, as a prefix, or (words of five letters or
// more) with one typo: a letter added, dropped or changed, or two neighbours swapped. A word
// that names a severity, a service or a tag (`SEV1`, `cdn`) is a filter rather than a word to
// find. Results are ranked by how well and where the words matched, and can be narrowed by
// severity, service, tag, factor category and year.
//
// The index files are scripts that call debriefSearchIndex(name, data): browsers run scripts
// from disk (file://) where they refuse fetch, so the site needs no server.
(function () {
  "use strict";
  var base = "search/";
  var cache = {};
  var waiting = {};
  window.debriefSearchIndex = function (name, data) {
    if (waiting[name]) {
      waiting[name](data);
      delete waiting[name];
    }
  };
  function load(path) {
    if (!cache[path]) {
      cache[path] = new Promise(function (resolve, reject) {
        waiting[path] = resolve;
        var s = document.createElement("script");
        s.src = base + path;
        s.onload = function () {
          if (waiting[path]) {
            delete waiting[path];
            reject(new Error(path + " does not hold a search index"));
          }
        };
        s.onerror = function () {
          delete waiting[path];
          delete cache[path];
          reject(new Error(path + " could not be read"));
        };
        document.head.appendChild(s);
      });
    }
    return cache[path];
  }
  function words(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) {
      return w.length >= 2;
    });
  }
  // Whether a and b differ by at most one edit: an insertion, a deletion, a substitution, or
  // two neighbouring letters swapped ("outgae" for "outage").
  function oneEdit(a, b) {
    if (Math.abs(a.length - b.length) > 1) return false;
    var i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
      if (i === a.length) return true;
      if (a.slice(i + 1) === b.slice(i + 1)) return true;
      return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
    }
    return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
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
  function render(hits, docs, filtered) {
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
        render(hits, docs, filtered);
      });
      label.appendChild(select);
      facets.appendChild(label);
    });
    facets.hidden = hits.length === 0;
    var named = filtered.length ? " (filtered by " + filtered.join(", ") + ")" : "";
    status((shown.length === hits.length
      ? hits.length + (hits.length === 1 ? " incident" : " incidents") + " found"
      : shown.length + " of " + hits.length + " incidents shown") + named);
  }
  function status(text) {
    document.getElementById("search-status").textContent = text;
  }
  // Splits a query into facet filters (a word that is a severity, a service or a tag of some
  // incident, in any case) and the words left to find.
  function filters(query, docs) {
    var named = Object.create(null);
    docs.forEach(function (d) {
      ["s", "sv", "tg"].forEach(function (key) {
        values(d, key).forEach(function (v) { named[v.toLowerCase()] = true; });
      });
    });
    var found = [], rest = [];
    query.split(/\s+/).filter(Boolean).forEach(function (token) {
      var t = token.toLowerCase();
      if (named[t] === true && found.indexOf(t) < 0) found.push(t);
      else rest.push(token);
    });
    return { facets: found, text: rest.join(" ") };
  }
  function passes(doc, facets) {
    var own = [];
    ["s", "sv", "tg"].forEach(function (key) {
      values(doc, key).forEach(function (v) { own.push(v.toLowerCase()); });
    });
    return facets.every(function (f) { return own.indexOf(f) >= 0; });
  }
  function search(query) {
    var started = performance.now();
    return Promise.all([load("docs.js"), load("words.js")]).then(function (loaded) {
      var docs = loaded[0], vocabulary = loaded[1];
      var wanted = filters(query, docs);
      var expanded = expand(wanted.text, vocabulary);
      var done = function (hits) {
        render(hits, docs, wanted.facets);
        document.body.setAttribute("data-search-ms", String(Math.round(performance.now() - started)));
      };
      if (expanded.length === 0 && wanted.facets.length === 0) {
        status("Type a word to search for.");
        return;
      }
      if (expanded.length === 0) {
        // Only filters: every incident they admit, newest first.
        var all = [];
        docs.forEach(function (d, n) { if (passes(d, wanted.facets)) all.push({ doc: n, score: 0 }); });
        all.sort(function (a, b) {
          return docs[b.doc].d < docs[a.doc].d ? -1 : docs[b.doc].d > docs[a.doc].d ? 1 : a.doc - b.doc;
        });
        done(all);
        return;
      }
      var shards = {};
      expanded.forEach(function (m) { m.forEach(function (x) { shards[shard(x[0])] = true; }); });
      return Promise.all(Object.keys(shards).map(function (s) {
        return load("w/" + s + ".js").then(function (p) { return [s, p]; });
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
        var hits = Object.keys(scores || {}).filter(function (d) {
          return passes(docs[+d], wanted.facets);
        }).map(function (d) {
          return { doc: +d, score: scores[d] };
        }).sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
        done(hits);
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
