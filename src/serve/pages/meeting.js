// debrief meeting pages: what the facilitator screen and the participant page share.
// Everything people typed is put into the page with textContent, never as markup.
"use strict";
(function () {
  var M = (window.debrief = {});
  var skew = 0;

  // Builds an element: el("li", {class: "x"}, "text", child, ...).
  M.el = function (tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  };
  M.$ = function (id) { return document.getElementById(id); };

  // The theme: "auto" follows the operating system (prefers-color-scheme); "dark" and "light"
  // are the facilitator's choice, kept in this browser for the next meeting.
  M.THEMES = ["auto", "dark", "light"];
  M.theme = function (choice) {
    var root = document.documentElement;
    if (choice === undefined) {
      try { choice = localStorage.getItem("debrief-theme") || "auto"; } catch (e) { choice = "auto"; }
    } else {
      try { localStorage.setItem("debrief-theme", choice); } catch (e) { /* private mode: this page only */ }
    }
    if (M.THEMES.indexOf(choice) < 0) choice = "auto";
    if (choice === "auto") root.removeAttribute("data-theme"); else root.setAttribute("data-theme", choice);
    return choice;
  };
  M.theme();
  M.fill = function (node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    children.forEach(function (c) { if (c) node.appendChild(c); });
  };
  M.show = function (node, on) { node.hidden = !on; };

  M.api = function (method, path, body, key) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    return fetch("/api/" + path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = null;
        try { data = t ? JSON.parse(t) : null; } catch (e) { data = null; }
        return { ok: r.ok, status: r.status, body: data };
      });
    });
  };

  M.errorText = function (res) {
    return (res.body && res.body.error && res.body.error.message) || ("the server answered " + res.status);
  };

  // Changes waiting to be sent. They survive a dropped connection and a reload, and each keeps
  // its idempotency key, so sending one twice changes nothing twice.
  var OUTBOX = "debrief-outbox";
  var outbox = [];
  try { outbox = JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { outbox = []; }
  var flushing = false, retry = 500;
  var saveOutbox = function () {
    try { localStorage.setItem(OUTBOX, JSON.stringify(outbox)); } catch (e) { /* private mode */ }
    if (M.onOutbox) M.onOutbox(outbox);
  };
  M.pending = function () { return outbox; };
  M.send = function (method, path, body, label) {
    var key = "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    outbox.push({ key: key, method: method, path: path, body: body, label: label || "" });
    saveOutbox();
    M.flush();
  };
  M.flush = function () {
    if (flushing || outbox.length === 0) return;
    flushing = true;
    var item = outbox[0];
    M.api(item.method, item.path, item.body, item.key).then(function (res) {
      flushing = false;
      if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 401)) {
        outbox.shift();
        saveOutbox();
        retry = 500;
        if (!res.ok && M.onRefused) M.onRefused(item, M.errorText(res));
        M.flush();
      } else {
        later();
      }
    }, function () { flushing = false; later(); });
  };
  var later = function () {
    status("Reconnecting… " + outbox.length + " change" + (outbox.length === 1 ? "" : "s") + " waiting to be sent");
    setTimeout(M.flush, retry);
    retry = Math.min(retry * 2, 8000);
  };

  var status = function (text) {
    var s = M.$("status");
    if (!s) return;
    s.textContent = text || "";
    s.hidden = !text;
  };
  M.status = status;

  // A state with a change made to it (the format is described in src/serve/delta.rs): a
  // value replaced, an object's keys changed or removed, a list of items with ids rebuilt
  // from the ids of unchanged items, new items and changed ones.
  var apply = function (old, node) {
    if ("=" in node) return node["="];
    if ("[" in node) {
      var before = {};
      (Array.isArray(old) ? old : []).forEach(function (item) {
        if (item && typeof item === "object") before[item.id] = item;
      });
      return node["["].map(function (e) {
        if (typeof e === "string") return before[e];
        return "@" in e ? apply(before[e["@"]], e) : apply(null, e);
      });
    }
    var out = {};
    if (old && typeof old === "object" && !Array.isArray(old)) {
      Object.keys(old).forEach(function (k) { out[k] = old[k]; });
    }
    var changed = node["{"] || {};
    Object.keys(changed).forEach(function (k) { out[k] = apply(out[k], changed[k]); });
    (node["-"] || []).forEach(function (k) { delete out[k]; });
    return out;
  };
  M.apply = apply;

  // The event stream: `state` carries the whole meeting as this person may see it; `change`
  // what changed since the last one. Handlers get a copy, so the kept state stays as sent.
  M.connect = function (handlers) {
    var source = new EventSource("/api/events");
    var current = null;
    var deliver = function (state) {
      current = state;
      skew = state.now - Date.now();
      showError(state.error);
      handlers.state(JSON.parse(JSON.stringify(state)));
    };
    source.addEventListener("open", function () { status(""); M.flush(); });
    source.addEventListener("state", function (e) { deliver(JSON.parse(e.data)); });
    source.addEventListener("change", function (e) {
      var c = JSON.parse(e.data);
      if (!current || current.key !== c.base) {
        // Not the state the change was made for (it should not happen): ask for the whole.
        M.api("GET", "state").then(function (res) {
          if (res.ok && res.body) deliver(res.body);
        });
        return;
      }
      var state = apply(current, c.change);
      state.now = c.now;
      state.you = c.you;
      deliver(state);
    });
    // The facilitator removed this participant: the server ends the stream, and so does this.
    source.addEventListener("removed", function () {
      source.close();
      if (handlers.removed) handlers.removed();
    });
    source.addEventListener("reload", function (e) {
      showError(null);
      if (handlers.reload) handlers.reload(JSON.parse(e.data));
    });
    source.addEventListener("error", function (e) {
      if (e.data) {
        showError(JSON.parse(e.data).message);
      } else {
        status("Reconnecting…");
      }
    });
    return source;
  };

  var showError = function (message) {
    var box = M.$("error");
    if (!box) return;
    M.$("error-text").textContent = message || "";
    box.hidden = !message;
  };

  // The countdown, corrected for the difference between this clock and the server's.
  var timer = null;
  M.setTimer = function (node, t) {
    timer = t;
    node.hidden = !t;
    tick(node);
  };
  var tick = function (node) {
    if (!timer) return;
    var left = Math.round((timer.ends_at - (Date.now() + skew)) / 1000);
    var abs = Math.abs(left);
    var text = Math.floor(abs / 60) + ":" + ("0" + (abs % 60)).slice(-2);
    node.textContent = left < 0 ? "−" + text : text;
    node.classList.toggle("amber", left > 0 && left < 60);
    node.classList.toggle("over", left <= 0);
    node.setAttribute("aria-label", left <= 0 ? "time is up" : text + " left");
  };
  M.startClock = function (node) { setInterval(function () { tick(node); }, 250); };

  // A time in the incident's zone.
  M.time = function (iso, zone, withDate) {
    var options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: zone || "UTC" };
    if (withDate) { options.month = "short"; options.day = "numeric"; }
    try { return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso)); } catch (e) { return iso; }
  };

  // "2026-11-03T14:02:00" in the zone, for datetime-local inputs.
  M.localInput = function (iso, zone) {
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-CA", { timeZone: zone || "UTC", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
        .formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
      return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute + ":" + parts.second;
    } catch (e) { return ""; }
  };

  // A diagram (`flow` or `timeline`), drawn by the server from the meeting as it is now, into
  // `container`. With `width`, it is drawn for that many CSS pixels, so its text is shown at
  // its real size (never under 14 px) rather than scaled. The SVG is debrief's own drawing with
  // every piece of user text escaped, as in the report; only the newest of several overlapping
  // requests for one container is shown.
  M.loadSvg = function (container, name, width) {
    var asked = (container.debriefAsked || 0) + 1;
    container.debriefAsked = asked;
    var url = "/api/" + name + ".svg" + (width ? "?width=" + Math.round(width) : "");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; }).then(function (svg) {
      if (asked !== container.debriefAsked || !svg) return;
      var root = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
      if (root.nodeName !== "svg") return;
      M.fill(container, [document.importNode(root, true)]);
    }, function () { /* the next state tries again */ });
  };
  M.loadFlow = function (container) { M.loadSvg(container, "flow"); };

  // An action's priority, kind, status and ticket, each a control that saves on change.
  // Returns the controls, labelled for screen readers with `what`.
  M.actionControls = function (a, what) {
    var path = "actions/" + encodeURIComponent(a.id);
    var select = function (field, label, values, current, blank) {
      var s = M.el("select", { "aria-label": label + " of " + what, "data-field": field });
      if (blank) s.appendChild(M.el("option", { value: "", text: "—", selected: !current }));
      values.forEach(function (v) { s.appendChild(M.el("option", { value: v, text: v, selected: v === current })); });
      s.addEventListener("change", function () {
        if (!s.value) return;
        var body = {}; body[field] = s.value;
        M.send("PATCH", path, body, label);
      });
      return s;
    };
    var ticket = M.el("input", { type: "url", value: a.ticket || "", placeholder: "https://…", maxlength: "2048", "aria-label": "Ticket link of " + what, "data-field": "ticket" });
    ticket.addEventListener("change", function () { M.send("PATCH", path, { ticket: ticket.value.trim() }, "ticket"); });
    return {
      priority: select("priority", "Priority", ["P0", "P1", "P2", "P3"], a.priority, true),
      kind: select("kind", "Kind", ["mitigate", "prevent", "detect", "process"], a.kind, true),
      status: select("status", "Status", ["open", "in-progress", "done", "wont-do"], a.status || "open", false),
      ticket: ticket
    };
  };

  M.PHASE_NAMES = { "prepare": "Prepare", "follow-ups": "Follow-ups", "timeline": "Timeline", "factors": "Factors", "vote": "Vote", "actions": "Actions", "lessons": "Lessons", "wrap-up": "Wrap-up" };
})();
