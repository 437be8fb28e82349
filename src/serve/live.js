// debrief live view: injected by the server into every page it serves.
// Listens on /api/events; reloads (keeping the scroll position) on a new revision, shows the
// error over the last good view, and reconnects with backoff when the connection drops.
(function () {
  "use strict";
  var revision = null;
  var delay = 500;
  var status = null;

  function showStatus(text) {
    if (!status) {
      status = document.createElement("div");
      status.id = "debrief-status";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = text;
    status.hidden = !text;
  }

  function overlay(message) {
    var box = document.getElementById("debrief-overlay");
    if (!message) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "debrief-overlay";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = "";
    var heading = document.createElement("h2");
    heading.textContent = "The incident has an error. This is the last good version.";
    var pre = document.createElement("pre");
    pre.textContent = message;
    box.appendChild(heading);
    box.appendChild(pre);
  }

  function reload() {
    try { sessionStorage.setItem("debrief-scroll", String(window.scrollY)); } catch (e) { /* private mode */ }
    window.location.reload();
  }

  function connect() {
    var source = new EventSource("/api/events?state=0");
    source.addEventListener("hello", function (e) {
      var state = JSON.parse(e.data);
      showStatus("");
      delay = 500;
      // After a reconnect, catch up with whatever changed meanwhile.
      if (revision !== null && state.revision !== revision) { reload(); return; }
      revision = state.revision;
      overlay(state.error);
    });
    source.addEventListener("reload", function (e) {
      var state = JSON.parse(e.data);
      if (state.revision !== revision) { revision = state.revision; reload(); }
    });
    source.addEventListener("error", function (e) {
      // Named `error` events from the server carry data; connection errors do not.
      if (!e.data) return;
      var state = JSON.parse(e.data);
      revision = state.revision;
      overlay(state.message);
    });
    source.onerror = function () {
      showStatus("reconnecting…");
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      }
    };
  }

  try {
    var y = sessionStorage.getItem("debrief-scroll");
    if (y !== null) { sessionStorage.removeItem("debrief-scroll"); window.scrollTo(0, Number(y)); }
  } catch (e) { /* private mode */ }
  connect();
})();
