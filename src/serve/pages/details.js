// The Details view on the facilitator's screen (the Prepare phase): the incident record as a
// form. It is filled from the meeting's state unless the facilitator is editing it; Save sends
// only what changed, and the server checks it as `debrief check` would before it says yes.
"use strict";
(function () {
  var M = window.debrief, $ = M.$, el = M.el;
  var form = $("details-form");
  if (!form) return;
  var shown = null, dirty = false, zone = "UTC";
  var TIMES = ["started", "detected", "mitigated", "resolved"];

  var list = function (text) {
    return text.split(",").map(function (s) { return s.trim(); }).filter(function (s) { return s; });
  };
  var personRow = function (p) {
    var input = function (key, label) {
      return el("td", null, el("input", { "aria-label": label, value: p[key] || "", "data-key": key, maxlength: "80" }));
    };
    var row = el("tr", null, input("handle", "Handle"), input("name", "Name"), input("role", "Role"),
      el("td", null, el("button", { type: "button", class: "quiet", text: "Remove", "aria-label": "Remove " + (p.handle || "this person"),
        onclick: function () { row.remove(); dirty = true; } })));
    return row;
  };
  var people = function () {
    return Array.prototype.map.call($("details-people").querySelectorAll("tr"), function (tr) {
      var p = {};
      tr.querySelectorAll("input").forEach(function (i) { p[i.getAttribute("data-key")] = i.value.trim(); });
      return p;
    }).filter(function (p) { return p.handle || p.name || p.role; });
  };
  // What the form holds, in the shape the API takes.
  var read = function () {
    var times = {};
    TIMES.forEach(function (t) { times[t] = $("details-" + t).value; });
    return {
      title: $("details-title").value.trim(),
      severity: $("details-severity").value.trim(),
      status: $("details-status").value,
      times: times,
      impact: $("details-impact").value,
      summary: $("details-summary").value,
      services: list($("details-services").value),
      tags: list($("details-tags").value),
      people: people().map(function (p) { return { handle: p.handle, name: p.name || null, role: p.role || null }; })
    };
  };
  var fill = function (inc) {
    zone = inc.zone || "UTC";
    $("details-zone").textContent = zone;
    $("details-title").value = inc.title || "";
    $("details-severity").value = inc.severity || "";
    $("details-status").value = inc.status || "draft";
    var times = inc.times || {};
    TIMES.forEach(function (t) { $("details-" + t).value = times[t] ? M.localInput(times[t], zone) : ""; });
    $("details-impact").value = inc.impact || "";
    $("details-summary").value = inc.summary || "";
    $("details-services").value = (inc.services || []).join(", ");
    $("details-tags").value = (inc.tags || []).join(", ");
    M.fill($("details-people"), (inc.people || []).map(personRow));
    shown = read();
  };
  form.addEventListener("input", function () { dirty = true; });
  $("details-add-person").addEventListener("click", function () {
    var row = personRow({});
    $("details-people").appendChild(row);
    row.querySelector("input").focus();
    dirty = true;
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var now = read(), change = {}, times = {}, any = false;
    if (!now.title) { $("details-note").textContent = "The incident needs a title."; $("details-title").focus(); return; }
    ["title", "severity", "status", "impact", "summary"].forEach(function (k) {
      if (now[k] !== shown[k]) { change[k] = now[k]; any = true; }
    });
    TIMES.forEach(function (t) { if (now.times[t] !== shown.times[t]) { times[t] = now.times[t]; any = true; } });
    if (Object.keys(times).length) change.times = times;
    ["services", "tags", "people"].forEach(function (k) {
      if (JSON.stringify(now[k]) !== JSON.stringify(shown[k])) { change[k] = now[k]; any = true; }
    });
    if (!any) { $("details-note").textContent = "Nothing changed."; return; }
    $("details-note").textContent = "Saving…";
    M.api("PATCH", "details", change).then(function (res) {
      if (res.ok) { dirty = false; shown = now; $("details-note").textContent = "Saved into incident.toml."; }
      else { $("details-note").textContent = M.errorText(res); }
    }, function () { $("details-note").textContent = "Could not reach the server; try again."; });
  });

  // Each new state: the form follows the file unless the facilitator is in the middle of a change.
  window.debriefDetails = function (s) {
    if (s.severities) M.fill($("details-severities"), s.severities.map(function (l) { return el("option", { value: l }); }));
    if (!s.details || (dirty && shown) || form.contains(document.activeElement)) return;
    fill(s.details);
  };
})();
