// The facilitator's screen: the one that gets shared. It renders the meeting from the event
// stream and runs the meeting through the API.
"use strict";
(function () {
  var M = window.debrief, $ = M.$, el = M.el;
  var state = null, seen = null;

  var phaseIndex = function (p) { return state ? state.phases.indexOf(p) : 0; };
  var move = function (step) {
    if (!state) return;
    var i = phaseIndex(state.phase) + step;
    if (i < 0 || i >= state.phases.length) return;
    M.send("POST", "phase", { phase: state.phases[i] });
  };
  var startTimer = function () {
    var form = el("form", { class: "timer-form" },
      el("label", { for: "timer-minutes", text: "Minutes" }),
      el("input", { id: "timer-minutes", type: "number", min: "1", max: "240", value: "5" }),
      el("button", { type: "submit", class: "primary", text: "Start" }),
      el("button", { type: "button", text: "Cancel", onclick: function () { form.remove(); } }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var minutes = Number($("timer-minutes").value) || 5;
      M.send("POST", "phase", { phase: state.phase, seconds: Math.round(minutes * 60) });
      form.remove();
    });
    document.querySelector(".controls").appendChild(form);
    $("timer-minutes").focus();
  };
  var reveal = function () { M.send("POST", "votes/reveal", { revealed: true }); };
  var overlay = function (id, on) {
    var node = $(id);
    if (on === undefined) on = node.hidden;
    node.hidden = !on;
    if (on && id === "qr") $("qr-image").src = "/api/join-qr.svg";
  };

  document.addEventListener("keydown", function (e) {
    if (e.target && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    switch (e.key) {
      case "ArrowRight": move(1); break;
      case "ArrowLeft": move(-1); break;
      case "t": case "T": startTimer(); break;
      case "r": case "R": reveal(); break;
      case "j": case "J": overlay("qr"); break;
      case "f": case "F": toggleFlow(); break;
      case "d": case "D": nextTheme(); break;
      case "?": overlay("help"); break;
      case "Escape": overlay("qr", false); overlay("help", false); break;
      default: return;
    }
    e.preventDefault();
  });
  $("next").addEventListener("click", function () { move(1); });
  $("prev").addEventListener("click", function () { move(-1); });
  $("start-timer").addEventListener("click", startTimer);
  $("reveal").addEventListener("click", reveal);
  $("join-button").addEventListener("click", function () { overlay("qr"); });
  $("flow-button").addEventListener("click", function () { toggleFlow(); });
  $("help-button").addEventListener("click", function () { overlay("help"); });
  var showTheme = function (theme) { $("theme-button").textContent = "Theme: " + theme + " (D)"; };
  var nextTheme = function () {
    var now = M.theme();
    showTheme(M.theme(M.THEMES[(M.THEMES.indexOf(now) + 1) % M.THEMES.length]));
  };
  showTheme(M.theme());
  $("theme-button").addEventListener("click", nextTheme);
  ["qr", "help"].forEach(function (id) {
    $(id).addEventListener("click", function () { overlay(id, false); });
  });
  $("toggle-candidates").addEventListener("click", function () {
    var box = $("candidates"), on = box.hidden;
    box.hidden = !on;
    this.setAttribute("aria-pressed", String(on));
    this.textContent = on ? "Hide log candidates" : "Show log candidates";
    if (on) loadCandidates();
  });
  M.onRefused = function (item, message) { M.status("Not done: " + message); setTimeout(function () { M.status(""); }, 6000); };

  // The log candidates in the incident's window, sorted by time; what was left out is said.
  var loadCandidates = function () {
    M.api("GET", "candidates").then(function (res) {
      if (!res.ok) { M.status(M.errorText(res)); return; }
      var zone = state && state.incident ? state.incident.zone : "UTC";
      var b = res.body, out = b.left_out || {};
      var when = function (at) {
        return M.time(at, zone, b.spans_days);
      };
      var notes = [];
      if (b.window) {
        notes.push(b.in_window + (b.in_window === 1 ? " entry" : " entries") + " from " + M.time(b.window.from, zone, true) +
          " to " + M.time(b.window.to, zone, true) + " (" + b.window.margin_minutes + " minutes either side of the incident), by time.");
      }
      if (out.outside_window) notes.push(out.outside_window + " outside that window left out.");
      if (out.over_limit) notes.push("Only the first " + out.limit + " are listed: " + out.over_limit + " more; `debrief timeline --sources` lists them all.");
      if (out.capped_sources && out.capped_sources.length) notes.push("Reading stopped at the entry cap of: " + out.capped_sources.join(", ") + " (raise `max_entries`).");
      if (out.templates_over_limit) notes.push(out.templates_over_limit + " more templates not listed; `debrief timeline --templates` lists them all.");
      $("candidate-notes").textContent = notes.join(" ");
      // One click puts it on the timeline: a line, a template's first line, or a moment.
      var promote = function (item, moment) {
        if (item.promoted) return el("span", { text: "on the timeline" });
        return el("button", { type: "button", text: "Promote", onclick: function () {
          var body = { source: item.source, line: item.line };
          if (moment) body.moment = true;
          M.send("POST", "promote", body);
          this.disabled = true;
        } });
      };
      var place = function (item) { return item.source + ":" + item.line; };
      // The best five moments; the rest one click away.
      var moments = b.moments || [];
      var moment = function (m) {
        return el("li", null,
          el("time", { text: when(m.at) }), " ",
          el("strong", { text: m.text }), " ",
          promote(m, true),
          el("div", { class: "hint", text: m.reason + " (" + place(m) + ")" }));
      };
      M.fill($("candidate-moments"), moments.length ? moments.slice(0, 5).map(moment)
        : [el("li", { class: "hint", text: "No notable moments in this window." })]);
      var more = el("ol", { class: "moments", start: "6" });
      M.fill(more, moments.slice(5).map(moment));
      M.fill($("candidate-more-moments"), moments.length > 5 ? [el("details", null,
        el("summary", { text: (moments.length - 5) + " more moments" }), more)] : []);
      // A template expands to the entries it holds, each one click from the timeline.
      var held = function (t) {
        var lines = t.lines || [];
        if (!lines.length) return null;
        var more = t.count > lines.length ? " (the first " + lines.length + ")" : "";
        var list = el("ul");
        M.fill(list, lines.map(function (c) {
          return el("li", null, el("time", { text: when(c.at) }), " ",
            el("span", { text: c.text }), " ", promote(c, false),
            el("span", { class: "hint", text: " " + place(c) }));
        }));
        return el("details", { class: "template-lines" },
          el("summary", { text: (t.count === 1 ? "1 line" : t.count.toLocaleString("en") + " lines") + more }),
          list);
      };
      M.fill($("candidate-templates"), (b.templates || []).map(function (t) {
        return el("tr", { class: t.level === "error" || t.level === "critical" ? "level-error" : null },
          el("td", { text: when(t.first) }),
          el("td", { text: t.lane }),
          el("td", null, el("code", { text: t.text }), el("div", { class: "hint", text: "first: " + place(t) + (t.level ? " · " + t.level : "") }),
            held(t)),
          el("td", { text: "×" + t.count.toLocaleString("en") }),
          el("td", null, promote(t, false)));
      }));
      M.fill($("candidate-rows"), b.candidates.map(function (c) {
        return el("tr", null,
          el("td", { text: when(c.at) }),
          el("td", { text: c.lane }),
          el("td", { text: c.text }),
          el("td", null, promote(c, false)));
      }));
    });
  };

  // A factor card: its text, and the facilitator's edit, merge and delete.
  var editing = null;
  // A small mark on what the blameless lint flags, with the rules in its title.
  // What the archive's [policy] says of an action, in the words of `debrief check`: shown as
  // soon as an edit breaks it, so the room can fix the date or the owner there and then.
  var policyNote = function (a) {
    return (a.policy || []).length
      ? el("small", { class: "policy", role: "status", text: "Policy: " + a.policy.join("; ") })
      : null;
  };

  var nudgeMark = function (item) {
    if (!item.nudged || !item.nudged.length) return null;
    var rules = item.nudged.map(function (r) { return r.replace("blameless/", ""); }).join(", ");
    return el("span", { class: "nudge-mark", title: "Blameless lint: " + rules, "aria-label": "flagged by the blameless lint: " + rules, text: " ⚑" });
  };

  // Whether `node` holds the form of the item being reworded.
  var holding = function (node) { return editing !== null && !!node.querySelector("form.edit"); };

  // The inline form that rewords the item being edited (`editing`): PATCH `path` {text}.
  var wordingForm = function (path, text, label) {
    var input = el("textarea", { rows: "3", maxlength: "2000", "aria-label": label });
    input.value = text;
    var form = el("form", { class: "edit" }, input,
      el("button", { type: "submit", class: "primary", text: "Save" }),
      el("button", { type: "button", text: "Cancel", onclick: function () { editing = null; render(state); } }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      M.send("PATCH", path, { text: input.value });
      editing = null;
    });
    setTimeout(function () { input.focus(); }, 0);
    return form;
  };

  var factorCard = function (f, all, fresh) {
    var li = el("li", { class: "card" + (fresh ? " fresh" : ""), "data-id": f.id });
    if (editing === f.id) {
      li.appendChild(wordingForm("factors/" + encodeURIComponent(f.id), f.text, "The factor's wording"));
      return li;
    }
    var others = all.filter(function (o) { return o.id !== f.id; });
    var into = el("select", { "aria-label": "Merge into" }, el("option", { value: "", text: "Merge into…" }));
    others.forEach(function (o) { into.appendChild(el("option", { value: o.id, text: o.plain.length > 50 ? o.plain.slice(0, 47) + "…" : o.plain })); });
    into.addEventListener("change", function () {
      if (into.value) M.send("POST", "factors/" + encodeURIComponent(f.id) + "/merge", { into: into.value });
    });
    li.appendChild(el("p", null, f.plain, nudgeMark(f)));
    li.appendChild(el("div", { class: "card-tools" },
      el("button", { type: "button", class: "quiet", text: "Edit", "aria-label": "Edit the wording of this factor",
        onclick: function () { editing = f.id; render(state); } }),
      others.length ? into : null,
      del("factors", f.id, "this factor")));
    return li;
  };

  var del = function (list, id, what) {
    return el("button", { type: "button", class: "quiet", "aria-label": "Delete " + what, text: "Delete",
      onclick: function () { M.send("DELETE", list + "/" + encodeURIComponent(id)); } });
  };

  // Who is in the room, each with a way to remove them. Removing takes two clicks: the first
  // asks, the second (within five seconds) removes.
  var confirming = null, confirmTimer = null;
  var renderPeople = function (people) {
    // After removing someone, a new join link keeps them from joining again.
    var newLink = el("li", { class: "new-link" }, el("button", {
      type: "button", class: "quiet", text: "New join link",
      title: "Links and QR codes shown so far stop working; everyone who joined stays",
      onclick: function () {
        M.api("POST", "join-code").then(function (res) {
          M.status(res.ok ? "A new join link: the old one no longer works." : M.errorText(res));
        }, function () { M.status("Could not reach the server; try again."); });
      } }));
    M.fill($("people-list"), (people.length ? people.map(function (p) {
      var label = p.name ? p.name + (p.verified ? " (signed in)" : "") : "Anonymous participant";
      var asking = confirming === p.number;
      return el("li", null, el("span", { text: label }), el("button", {
        type: "button", class: asking ? "danger" : "quiet",
        "aria-label": (asking ? "Confirm: remove " : "Remove ") + label,
        text: asking ? "Remove for good?" : "Remove",
        onclick: function () {
          clearTimeout(confirmTimer);
          if (confirming === p.number) {
            confirming = null;
            M.send("DELETE", "participants/" + p.number, null, "Remove " + label);
          } else {
            confirming = p.number;
            confirmTimer = setTimeout(function () { confirming = null; if (state) renderPeople(state.participants.people || []); }, 5000);
          }
          if (state) renderPeople(state.participants.people || []);
        } }));
    }) : [el("li", { text: "No one has joined yet." })]).concat([newLink]));
  };

  var render = function (s) {
    var previous = seen;
    state = s;
    var inc = s.incident || { title: "The incident has not loaded", timeline: [], factors: [], actions: [], durations: {} };
    var zone = inc.zone || "UTC";
    document.title = inc.title + " · debrief";
    $("title").textContent = inc.title;
    $("severity").textContent = inc.severity || "";
    $("severity").hidden = !inc.severity;
    // Durations come written by the server, as the report writes them.
    var d = inc.durations || {};
    var durations = [["to detect", d.to_detect], ["to mitigate", d.to_mitigate], ["to resolve", d.to_resolve]];
    var dl = function () {
      var nodes = [];
      durations.forEach(function (p) { nodes.push(el("dt", { text: p[0] }), el("dd", { text: p[1] || "—" })); });
      return nodes;
    };
    M.fill($("durations"), dl());
    M.fill($("wrap-durations"), dl());
    M.fill($("stepper"), s.phases.map(function (p, i) {
      var current = p === s.phase;
      return el("li", { class: current ? "current" : (i < phaseIndex(s.phase) ? "done" : null), "aria-current": current ? "step" : null },
        el("button", { type: "button", text: M.PHASE_NAMES[p], onclick: function () { M.send("POST", "phase", { phase: p }); } }));
    }));
    $("prompt").textContent = s.prompt;
    M.setTimer($("timer"), s.timer);
    var people = s.participants;
    $("people-count").textContent = people.count + (people.count === 1 ? " person" : " people") + " joined";
    renderPeople(people.people || []);
    var idle = people.not_voted ? people.not_voted.count : 0;
    // Amber while someone has votes to give; a quiet "everyone has voted" once nobody has.
    $("not-voted").textContent = idle === 0 ? "Everyone has voted" : idle === 1 ? "1 person hasn't voted" : idle + " people haven't voted";
    $("not-voted").classList.toggle("all-voted", idle === 0);
    $("not-voted").hidden = s.phase !== "vote" || people.count === 0;
    var joinUrl = (s.public_url || location.origin) + s.join;
    $("join-url").textContent = joinUrl.replace(/^https?:\/\//, "").replace(/\/join\/(.{6}).*$/, "/join/$1…");
    $("qr-url").textContent = joinUrl;
    showPhase();
    refreshFlow();
    $("next").disabled = phaseIndex(s.phase) === s.phases.length - 1;
    $("prev").disabled = phaseIndex(s.phase) === 0;

    if (window.debriefDetails) window.debriefDetails(s);

    // Follow-ups: the open actions of related incidents. The row being edited is left alone.
    if (!$("carried-rows").contains(document.activeElement)) renderCarried(s.carried || []);

    // Timeline: what is new since the last state is highlighted for a moment. A row being
    // edited is left as it is until it is saved or cancelled.
    seen = {};
    var entries = inc.timeline.slice().sort(function (a, b) { return a.at < b.at ? -1 : a.at > b.at ? 1 : 0; });
    entries.forEach(function (e) { if (e.id) seen[e.id] = true; });
    if (editingEntry === null) M.fill($("timeline-rows"), entries.map(function (e) {
      var fresh = previous && e.id && !previous[e.id];
      return el("tr", { id: e.id ? "row-" + e.id : null, class: fresh ? "fresh" : (e.key ? "key" : null) },
        el("td", { text: M.time(e.at, zone) }),
        el("td", { text: e.kind }),
        el("td", null, e.plain, nudgeMark(e), e.lane ? el("small", { class: "lane", text: " · " + e.lane }) : null),
        el("td", { text: e.by || e.source || (e.live ? "anonymous" : "—") }),
        el("td", { class: "row-actions" }, e.id ? el("button", { type: "button", class: "quiet", text: "Edit", "aria-label": "Edit this entry",
          onclick: function () { editRow(e, zone); } }) : null, " ", e.id ? del("timeline", e.id, "this entry") : null));
    }));
    inc.factors.forEach(function (f) { seen[f.id] = true; });
    inc.actions.forEach(function (a) { seen[a.id] = true; });
    refreshDiagram();

    // Factors by category. While one is being reworded, the cards stay as they are, so a
    // change from someone else does not wipe what the facilitator is typing.
    var categories = ["technical", "process", "organisational", "external"];
    if (!holding($("factor-groups"))) M.fill($("factor-groups"), categories.map(function (c) {
      var list = inc.factors.filter(function (f) { return f.category === c; });
      if (!list.length) return null;
      var ul = el("ul", { class: "cards" });
      list.forEach(function (f) {
        ul.appendChild(factorCard(f, inc.factors, previous && !previous[f.id]));
      });
      return el("section", { class: "group" }, el("h3", { text: c }), ul);
    }));
    if (!inc.factors.length && !holding($("factor-groups"))) M.fill($("factor-groups"), [el("p", { class: "empty", text: "No factors yet. Participants propose them from their phones." })]);

    // Votes: hidden until revealed, then ranked with bars.
    $("vote-progress").textContent = people.voted + " of " + people.count + " have voted";
    $("reveal").hidden = s.revealed;
    var ranked = inc.factors.slice();
    if (s.revealed) ranked.sort(function (a, b) { return (b.total_votes || 0) - (a.total_votes || 0); });
    var top = Math.max.apply(null, [1].concat(ranked.map(function (f) { return f.total_votes || 0; })));
    M.fill($("vote-list"), ranked.map(function (f) {
      var n = f.total_votes;
      return el("li", { class: "vote-row" }, el("span", { class: "factor-text", text: f.plain }),
        s.revealed ? el("span", { class: "bar", style: null }, el("span", { class: "fill", "data-share": String(Math.round(100 * (n || 0) / top)) }), el("span", { class: "count", text: (n || 0) + (n === 1 ? " vote" : " votes") }))
          : el("span", { class: "hidden-votes", text: "votes hidden" }));
    }));
    Array.prototype.forEach.call(document.querySelectorAll(".fill"), function (f) { f.style.width = f.getAttribute("data-share") + "%"; });

    // Actions.
    var factorText = {};
    inc.factors.forEach(function (f) { factorText[f.id] = f.plain; });
    // An open action due before today (in the incident's zone) is flagged, as the report does.
    var today = M.localInput(new Date().toISOString(), inc.zone).slice(0, 10);
    // The row being edited is left alone until its control loses focus.
    if (!$("action-rows").contains(document.activeElement)) M.fill($("action-rows"), inc.actions.map(function (a) {
      var c = M.actionControls(a, a.id);
      var overdue = a.due && a.due < today && a.status !== "done" && a.status !== "wont-do";
      return el("tr", { id: "action-" + a.id, class: (a.owner ? "" : "unowned") + (previous && !previous[a.id] ? " fresh" : "") },
        el("td", null, a.plain, nudgeMark(a), policyNote(a)),
        el("td", { text: a.owner || "no owner" }),
        el("td", { class: "due" }, a.due || "—", overdue ? " " : null, overdue ? el("span", { class: "badge overdue", text: "overdue" }) : null),
        el("td", null, c.priority),
        el("td", null, c.kind),
        el("td", null, c.status),
        el("td", null, c.ticket),
        el("td", { text: (a.factors || []).map(function (id) { return factorText[id] || id; }).join("; ") || "—" }),
        el("td", null, del("actions", a.id, "this action")));
    }));

    // Lessons, in three columns; what is new is highlighted for a moment.
    ["went-well", "went-wrong", "lucky"].forEach(function (kind) {
      var items = (s.lessons || []).filter(function (l) { return l.kind === kind; });
      if (holding($("lessons-" + kind))) return;
      M.fill($("lessons-" + kind), items.length ? items.map(function (l) {
        var fresh = previous && !previous[l.id];
        if (editing === l.id) {
          return el("li", { class: "card", "data-id": l.id },
            wordingForm("lessons/" + encodeURIComponent(l.id), l.text, "The lesson's wording"));
        }
        return el("li", { class: "card" + (fresh ? " fresh" : ""), "data-id": l.id },
          el("p", null, l.text, nudgeMark(l)),
          el("div", { class: "card-tools" },
            el("button", { type: "button", class: "quiet", text: "Edit", "aria-label": "Edit the wording of this lesson",
              onclick: function () { editing = l.id; render(state); } }),
            del("lessons", l.id, "this lesson")));
      }) : [el("li", { class: "empty", text: "Nothing yet." })]);
    });
    (s.lessons || []).forEach(function (l) { seen[l.id] = true; });

    // Wrap-up.
    var best = inc.factors.slice().sort(function (a, b) { return (b.total_votes || 0) - (a.total_votes || 0); }).slice(0, 5);
    M.fill($("wrap-factors"), best.map(function (f) { return el("li", { text: f.plain + (s.revealed ? " (" + (f.total_votes || 0) + ")" : "") }); }));
    M.fill($("wrap-actions"), inc.actions.map(function (a) { return el("li", { text: a.plain + " — " + (a.owner || "no owner yet") }); }));
    M.fill($("wrap-decisions"), inc.timeline.filter(function (e) { return e.kind === "decision"; }).map(function (e) { return el("li", { text: e.plain }); }));
    $("publish-command").textContent = s.publish || "debrief build " + (s.folder || ".");
    var fb = s.feedback || { count: 0, comments: [] };
    $("feedback-summary").textContent = fb.count ? fb.average + " of 5, from " + fb.count + (fb.count === 1 ? " answer" : " answers") : "No feedback yet: phones ask for it now.";
    M.fill($("feedback-comments"), (fb.comments || []).map(function (c) { return el("li", { text: c }); }));
  };

  // Inline correction of a timeline entry: its time (in the incident's zone), kind, text and
  // lane. Only what changed is sent.
  var editingEntry = null;
  var KINDS = ["event", "alert", "detection", "action", "decision", "communication", "mitigation", "observation"];
  var editRow = function (e, zone) {
    var row = $("row-" + e.id);
    if (!row || editingEntry !== null) return;
    editingEntry = e.id;
    var at = el("input", { type: "datetime-local", step: "1", value: M.localInput(e.at, zone), "aria-label": "Time (" + zone + ")" });
    var kind = el("select", { "aria-label": "Kind" });
    KINDS.forEach(function (k) { kind.appendChild(el("option", { value: k, text: k, selected: k === e.kind })); });
    var text = el("textarea", { rows: "2", maxlength: "2000", "aria-label": "What happened" });
    text.value = e.text;
    var lane = el("input", { type: "text", value: e.lane || "", placeholder: "lane", maxlength: "80", "aria-label": "Lane" });
    var done = function () { editingEntry = null; if (state) render(state); };
    var save = el("button", { type: "button", class: "primary", text: "Save", onclick: function () {
      var body = {};
      if (at.value && at.value !== M.localInput(e.at, zone)) body.at = at.value;
      if (kind.value !== e.kind) body.kind = kind.value;
      if (text.value.trim() && text.value !== e.text) body.text = text.value;
      if (lane.value !== (e.lane || "")) body.lane = lane.value;
      if (Object.keys(body).length) M.send("PATCH", "timeline/" + encodeURIComponent(e.id), body, "Edit the entry");
      done();
    } });
    var cancel = el("button", { type: "button", class: "quiet", text: "Cancel", onclick: done });
    M.fill(row, [el("td", null, at), el("td", null, kind), el("td", { class: "editing" }, text, lane), el("td"), el("td", { class: "row-actions" }, save, " ", cancel)]);
    row.className = "editing";
    text.focus();
  };

  var STATUSES = ["open", "in-progress", "done", "wont-do"];
  // The room reads why each carried action may slip and what it shares with this incident;
  // the facilitator can narrow the list to actions of incidents on the same service.
  var renderCarried = function (all) {
    var sameService = $("carried-same-service").checked;
    var items = all.filter(function (a) {
      return !sameService || (a.shares || []).some(function (s) { return s.indexOf("service ") === 0; });
    });
    var empty = all.length ? "No carried action shares a service with this incident." : "Nothing carried over: every action of the related incidents is done.";
    M.fill($("carried-rows"), items.length ? items.map(function (a) {
      var path = "carried/" + encodeURIComponent(a.incident) + "/" + encodeURIComponent(a.id);
      var label = a.id + " of " + a.incident;
      var patch = function (body) { M.send("PATCH", path, body, "Update " + label); };
      var status = el("select", { "aria-label": "Status of " + label, onchange: function () { patch({ status: status.value }); } });
      STATUSES.forEach(function (st) { status.appendChild(el("option", { value: st, text: st, selected: st === a.status })); });
      var owner = el("input", { type: "text", value: a.owner || "", placeholder: "no owner", "aria-label": "Owner of " + label,
        onchange: function () { patch({ owner: owner.value }); } });
      var due = el("input", { type: "date", value: a.due || "", "aria-label": "Due date of " + label,
        onchange: function () { patch({ due: due.value }); } });
      var ticket = a.ticket && /^https?:\/\//i.test(a.ticket)
        ? el("a", { href: a.ticket, target: "_blank", rel: "noopener noreferrer", text: a.ticket.replace(/^https?:\/\//i, "") })
        : (a.ticket || "—");
      return el("tr", { class: "state-" + a.state },
        el("td", null, el("span", { class: "badge " + a.state, text: a.state.replace("-", " ") })),
        el("td", null, a.text,
          (a.reasons || []).length ? el("small", { class: "reasons", text: "Why: " + a.reasons.join("; ") }) : null,
          policyNote(a),
          (a.shares || []).length ? el("small", { class: "shares", text: "Shares " + a.shares.join(", ") }) : null),
        el("td", { text: a.incident }),
        el("td", null, owner),
        el("td", { class: "due" }, due),
        el("td", { text: a.priority || "—" }),
        el("td", null, ticket),
        el("td", null, status));
    }) : [el("tr", null, el("td", { colspan: "8", class: "empty", text: empty }))]);
  };
  $("carried-same-service").addEventListener("change", function () { if (state) renderCarried(state.carried || []); });

  // The flow diagram, large, drawn by the server from the meeting as it is now. The SVG is
  // debrief's own drawing, with every piece of user text escaped, as in the report.
  var flowOn = false;
  var toggleFlow = function () {
    flowOn = !flowOn;
    $("flow-button").setAttribute("aria-pressed", String(flowOn));
    showPhase();
    if (flowOn) refreshFlow(); else refreshDiagram();
  };
  // Both drawn for the width they are shown at, and again when the window changes size.
  var refreshFlow = function () {
    if (flowOn) M.loadSvg($("flow-svg"), "flow", $("flow-svg").clientWidth);
  };
  var showPhase = function () {
    $("flow-view").hidden = !flowOn;
    document.querySelectorAll(".phase").forEach(function (sec) { sec.hidden = flowOn || !state || sec.id !== "phase-" + state.phase; });
  };

  // The timeline is asked for again only when what it shows changed (or a reload asks), not on
  // every vote or join.
  var drawnTimeline = "";
  var refreshDiagram = function (force) {
    if (!state || !state.incident) return;
    var box = $("timeline-svg");
    if (!box.clientWidth) return;
    var inc = state.incident;
    var key = JSON.stringify([box.clientWidth, inc.title, inc.timezone, inc.times, inc.timeline]);
    if (key === drawnTimeline && force !== true) return;
    drawnTimeline = key;
    M.loadSvg(box, "timeline", box.clientWidth);
  };
  var resized = null;
  window.addEventListener("resize", function () {
    clearTimeout(resized);
    resized = setTimeout(function () { refreshDiagram(); refreshFlow(); }, 200);
  });

  M.startClock($("timer"));
  M.connect({ state: render, reload: function () { refreshDiagram(true); } });
})();
