// The participant page: a phone in one hand. One main action per phase, and a list of what
// this person added, with a way to fix a typo.
"use strict";
(function () {
  var M = window.debrief, $ = M.$, el = M.el;
  var code = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
  var state = null, source = null, defaultsSet = false;

  var joined = function () {
    $("join-form").hidden = true;
    $("joined").hidden = false;
    if (!source) source = M.connect({ state: render, removed: removed });
  };

  var removed = function () {
    $("joined").hidden = true;
    $("title").textContent = "You have left the review";
    M.status("The facilitator removed you from this meeting. What you added stays in the review.");
  };

  M.api("GET", "state").then(function (res) {
    if (res.ok && res.body.you.role === "participant") { render(res.body); joined(); }
    else { $("join-form").hidden = false; $("title").textContent = "Join the review"; $("join-name").focus(); signedIn(); }
  }, function () { $("join-form").hidden = false; });

  // Behind the team's sign-in, the name is the one it vouches for: shown, not typed.
  var signedIn = function () {
    M.api("GET", "sign-in").then(function (res) {
      if (!res.ok || !res.body.name) return;
      $("join-name").value = res.body.name;
      $("join-name").readOnly = true;
      $("join-hint").textContent = "Signed in as " + res.body.name + " by your team's sign-in. Your name shows on what you add, unless you join anonymously.";
    }, function () {});
  };

  $("join-anonymous").addEventListener("change", function () { $("join-name").disabled = this.checked; });
  $("join-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var anonymous = $("join-anonymous").checked, name = $("join-name").value.trim();
    if (!anonymous && !name) { M.status("Type a name, or join anonymously."); $("join-name").focus(); return; }
    M.api("POST", "join", { code: code, name: anonymous ? null : name, anonymous: anonymous }).then(function (res) {
      if (res.ok) {
        // An anonymous meeting drops the name: say so, rather than let it seem kept.
        M.status(!anonymous && res.body.name == null ? "This meeting is anonymous: your name is not kept anywhere." : "");
        joined();
      } else { M.status(M.errorText(res)); }
    }, function () { M.status("Could not reach the server; try again."); });
  });

  var submit = function (formId, build) {
    $(formId).addEventListener("submit", function (e) {
      e.preventDefault();
      var request = build();
      if (!request) return;
      M.send(request[0], request[1], request[2], request[3]);
      this.reset();
      defaultsSet = false;
      if (state) render(state);
    });
  };
  submit("entry-form", function () {
    return ["POST", "timeline", { at: $("entry-at").value, text: $("entry-text").value, kind: $("entry-kind").value }, "observation"];
  });
  submit("factor-form", function () {
    return ["POST", "factors", { text: $("factor-text").value, category: $("factor-category").value }, "factor"];
  });
  submit("lesson-form", function () {
    return ["POST", "lessons", { kind: $("lesson-kind").value, text: $("lesson-text").value }, "lesson"];
  });
  submit("action-form", function () {
    var body = { text: $("action-text").value };
    if ($("action-owner").value.trim()) body.owner = $("action-owner").value.trim();
    if ($("action-due").value) body.due = $("action-due").value;
    if ($("action-factor").value) body.factors = [$("action-factor").value];
    return ["POST", "actions", body, "action"];
  });

  M.onRefused = function (item, message) {
    M.status("Not added (" + item.label + "): " + message);
    setTimeout(function () { M.status(""); }, 8000);
  };
  M.onOutbox = function (items) {
    var p = $("pending");
    p.hidden = items.length === 0;
    p.textContent = items.length + " waiting to be sent: " + items.map(function (i) { return i.label || i.path; }).join(", ");
  };
  M.onOutbox(M.pending());

  // Fix a typo in place: the text becomes a field with Save and Cancel.
  var fixable = function (list, item) {
    var li = el("li", { class: "item" });
    var show = function () {
      M.fill(li, [el("span", { class: "what", text: list === "timeline" ? "observation" : list === "factors" ? "factor" : "action" }),
        el("p", { text: item.plain || item.text }),
        el("button", { type: "button", class: "quiet", text: "Fix text", onclick: edit })]);
    };
    var edit = function () {
      var input = el("textarea", { rows: "3", maxlength: "2000", "aria-label": "New text" });
      input.value = item.text;
      var form = el("form", null, input, el("button", { type: "submit", class: "primary", text: "Save" }),
        el("button", { type: "button", text: "Cancel", onclick: show }));
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        M.send("PATCH", list + "/" + encodeURIComponent(item.id), { text: input.value }, "correction");
        item.text = input.value;
        item.plain = input.value;
        show();
      });
      M.fill(li, [form]);
      input.focus();
    };
    show();
    return li;
  };

  // Blameless nudges as people type: a moment after the typing stops, the server's lint
  // looks at the text, and what it flags shows under the field with a way to say it instead.
  // The text is accepted either way.
  var nudge = function (fieldId) {
    var field = $(fieldId), box = $(fieldId + "-nudge"), timer = null, asked = 0;
    var show = function (warnings) {
      M.fill(box, warnings.map(function (w) {
        return el("span", { class: "nudge-item" }, el("strong", { text: w.message + "." }), " " + w.help.charAt(0).toUpperCase() + w.help.slice(1) + ".");
      }));
      box.hidden = warnings.length === 0;
    };
    field.addEventListener("input", function () {
      clearTimeout(timer);
      var text = field.value;
      if (!text.trim()) { show([]); return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        M.api("POST", "lint", { text: text }).then(function (res) {
          // Only the answer to the latest question counts.
          if (mine === asked && res.ok && res.body) show(res.body.warnings || []);
        }, function () {});
      }, 400);
    });
    field.form && field.form.addEventListener("submit", function () { setTimeout(function () { show([]); }, 0); });
  };
  ["entry-text", "factor-text", "action-text", "lesson-text"].forEach(nudge);

  // Feedback at wrap-up: one answer each, which a second replaces.
  $("feedback-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var picked = document.querySelector("#feedback-form input[name=rating]:checked");
    if (!picked) { $("feedback-sent").textContent = "Pick a rating from 1 to 5 first."; $("feedback-sent").hidden = false; return; }
    var body = { rating: Number(picked.value) };
    if ($("feedback-text").value.trim()) body.text = $("feedback-text").value;
    M.send("POST", "feedback", body, "feedback");
  });

  var render = function (s) {
    state = s;
    var inc = s.incident || { title: "", timeline: [], factors: [], actions: [], zone: "UTC" };
    var you = s.you || {};
    $("title").textContent = inc.title;
    $("phase-name").textContent = M.PHASE_NAMES[s.phase] || s.phase;
    $("prompt").textContent = s.prompt;
    M.setTimer($("timer"), s.timer);
    document.querySelectorAll(".phase-form").forEach(function (f) { f.hidden = f.getAttribute("data-phase") !== s.phase; });
    $("entry-zone").textContent = inc.zone;
    if (!defaultsSet && inc.times) {
      // Start the time picker inside the incident's window, in the incident's zone.
      var start = inc.times.detected || inc.times.started || inc.times.resolved;
      if (start && !$("entry-at").value) $("entry-at").value = M.localInput(start, inc.zone);
      if (you.name && !$("action-owner").value) $("action-owner").value = you.name;
      defaultsSet = true;
    }

    // Your feedback, once the server has it.
    if (you.feedback) {
      $("feedback-sent").textContent = "Thanks: you gave " + you.feedback.rating + " of 5. Send again to change it.";
      $("feedback-sent").hidden = false;
      // The rating given shows as picked (after a reload too), unless another is being picked.
      if (!$("feedback-form").contains(document.activeElement)) {
        var given = document.querySelector("#feedback-form input[name=rating][value='" + Number(you.feedback.rating) + "']");
        if (given) given.checked = true;
      }
    }

    // Follow-ups: read-only.
    var carried = s.carried || [];
    M.fill($("carried-list"), carried.length ? carried.map(function (a) {
      return el("li", { class: "carried state-" + a.state },
        el("span", { class: "badge " + a.state, text: a.state.replace("-", " ") }), " ",
        el("span", { text: a.text }),
        el("p", { class: "hint", text: a.incident + " · " + (a.owner || "no owner") + (a.due ? " · due " + a.due : "") + " · " + a.status }));
    }) : [el("li", { class: "empty", text: "Nothing carried over." })]);

    // Votes: your own dots, and totals once revealed.
    var mine = you.votes || {};
    var left = you.votes_left || 0;
    $("votes-left").textContent = left === 1 ? "1 vote left" : left + " votes left";
    M.fill($("vote-factors"), inc.factors.map(function (f) {
      var n = mine[f.id] || 0;
      return el("li", { class: "vote-item" },
        el("p", { text: f.plain }),
        el("div", { class: "vote-controls" },
          el("button", { type: "button", class: "round", "aria-label": "Take a vote back from: " + f.text, text: "−", disabled: n === 0,
            onclick: function () { M.send("DELETE", "factors/" + encodeURIComponent(f.id) + "/votes", undefined, "vote"); } }),
          el("span", { class: "mine", "aria-label": "your votes", text: String(n) }),
          el("button", { type: "button", class: "round", "aria-label": "Vote for: " + f.text, text: "+", disabled: left === 0 || n >= s.limits.max_votes_per_item,
            onclick: function () { M.send("POST", "factors/" + encodeURIComponent(f.id) + "/votes", undefined, "vote"); } })),
        s.revealed ? el("p", { class: "total", text: (f.total_votes || 0) + " in total" }) : null);
    }));
    if (!inc.factors.length) M.fill($("vote-factors"), [el("li", { text: "No factors to vote on yet." })]);

    // Actions: create, or claim one.
    M.fill($("action-factor"), [el("option", { value: "", text: "(no factor)" })].concat(inc.factors.map(function (f) {
      return el("option", { value: f.id, text: f.plain.length > 60 ? f.plain.slice(0, 57) + "…" : f.plain });
    })));
    var mineIds = you.mine || [];
    if (!$("action-list").contains(document.activeElement)) M.fill($("action-list"), inc.actions.map(function (a) {
      var owner = a.owner ? "Owner: " + a.owner : "No owner yet";
      var claim = el("button", { type: "button", text: "I'll own this", onclick: function () {
        var name = you.name || $("action-owner").value.trim();
        if (!name) { M.status("Type your name in the Owner field first."); $("action-owner").focus(); return; }
        M.send("PATCH", "actions/" + encodeURIComponent(a.id), { owner: name }, "claim");
      } });
      // Your own actions: set the priority, kind, status and ticket.
      var details = null;
      if (mineIds.indexOf(a.id) >= 0) {
        var c = M.actionControls(a, "your action");
        details = el("details", { class: "action-details" }, el("summary", { text: "Priority, kind, status, ticket" }),
          el("label", null, "Priority ", c.priority), el("label", null, "Kind ", c.kind),
          el("label", null, "Status ", c.status), el("label", null, "Ticket ", c.ticket));
      }
      return el("li", { class: "item" + (a.owner ? "" : " unowned"), "data-id": a.id }, el("p", { text: a.plain }), el("p", { class: "owner", text: owner }),
        a.owner ? null : claim, details);
    }));

    var items = (you.entries || []).map(function (e) {
      return e.list === "actions" ? el("li", { class: "item" }, el("span", { class: "what", text: "action" }), el("p", { text: e.plain }))
        : fixable(e.list, e);
    });
    if (!items.length) items.push(el("li", { class: "empty", text: "Nothing yet." }));
    if (!document.activeElement || !$("mine").contains(document.activeElement)) M.fill($("mine"), items);
  };

  // Links: from a factor to an event or a factor, from an action to a factor.
  var linkTargets = function () {
    var inc = (state && state.incident) || { factors: [], actions: [] };
    var from = $("link-from").value;
    var factor = inc.factors.filter(function (f) { return f.id === from; })[0];
    var options = [];
    if (factor) {
      (state.incident.link_events || []).forEach(function (e) { options.push({ id: e.id, text: "Event: " + e.plain, on: (factor.events || []).indexOf(e.id) >= 0 }); });
      inc.factors.forEach(function (f) { if (f.id !== from) options.push({ id: f.id, text: "Factor: " + f.plain, on: (factor.leads_to || []).indexOf(f.id) >= 0 }); });
    } else {
      var action = inc.actions.filter(function (a) { return a.id === from; })[0];
      inc.factors.forEach(function (f) { options.push({ id: f.id, text: "Factor: " + f.plain, on: !!action && (action.factors || []).indexOf(f.id) >= 0 }); });
    }
    var keep = $("link-to").value;
    M.fill($("link-to"), options.map(function (o) {
      return el("option", { value: o.id, text: (o.on ? "✓ " : "") + (o.text.length > 70 ? o.text.slice(0, 67) + "…" : o.text) });
    }));
    if (keep) $("link-to").value = keep;
    var on = options.filter(function (o) { return o.on; }).length;
    $("link-current").textContent = on === 0 ? "Not linked to anything yet." : "Linked to " + on + " (marked ✓).";
  };
  var renderLinks = function (s) {
    var panel = $("link-panel");
    panel.hidden = !(s.phase === "factors" || s.phase === "actions");
    if (panel.hidden || !s.incident) return;
    var keep = $("link-from").value;
    var froms = s.incident.factors.map(function (f) { return { id: f.id, text: "Factor: " + f.plain }; });
    if (s.phase === "actions") froms = froms.concat(s.incident.actions.map(function (a) { return { id: a.id, text: "Action: " + a.plain }; }));
    M.fill($("link-from"), froms.map(function (o) {
      return el("option", { value: o.id, text: o.text.length > 70 ? o.text.slice(0, 67) + "…" : o.text });
    }));
    if (keep) $("link-from").value = keep;
    linkTargets();
    if ($("flow-details").open) M.loadFlow($("flow-svg"));
  };
  $("flow-details").addEventListener("toggle", function () {
    if (this.open) M.loadFlow($("flow-svg"));
  });
  $("link-from").addEventListener("change", linkTargets);
  var link = function (method) {
    var from = $("link-from").value, to = $("link-to").value;
    if (!from || !to) return;
    M.send(method, "links", { from: from, to: to }, method === "POST" ? "link" : "unlink");
  };
  $("link-add").addEventListener("click", function () { link("POST"); });
  $("link-remove").addEventListener("click", function () { link("DELETE"); });
  var plainRender = render;
  render = function (s) { plainRender(s); renderLinks(s); };

  M.startClock($("timer"));
})();
