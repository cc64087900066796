// Newsstand: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Offline reading: the service worker keeps saved articles readable without a network.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "saved-synced") { document.body.dataset.offlineReady = "1"; }
    });
    navigator.serviceWorker.register("/sw.js").then(function (reg) {
      if (document.body.dataset.syncSaved === "1") {
        var worker = reg.active || reg.waiting || reg.installing;
        navigator.serviceWorker.ready.then(function (r) {
          (r.active || worker).postMessage({ type: "sync-saved" });
        });
      }
    }).catch(function () { /* offline reading is optional */ });
  }

  // Key events: a sidebar on wide screens (open), collapsed on phones.
  var keys = document.querySelector("details.key-events");
  if (keys && window.matchMedia("(min-width: 60rem)").matches) { keys.open = true; }

  // Live blogs: new entries wait behind a button so the page never jumps while someone reads.
  var timeline = document.querySelector("[data-live-events]");
  if (!timeline || !window.EventSource) { return; }
  var button = document.getElementById("new-updates");
  var pending = [];
  var source = new EventSource(timeline.getAttribute("data-live-events"));

  function label(n) { return n === 1 ? "1 new update" : n + " new updates"; }

  source.addEventListener("entry", function (event) {
    var data = JSON.parse(event.data);
    pending = pending.filter(function (p) { return p.id !== data.id; });
    pending.push(data);
    button.textContent = label(pending.length);
    button.hidden = false;
  });

  // A deleted entry goes at once: a reader should not keep reading what the publisher withdrew.
  source.addEventListener("remove", function (event) {
    var data = JSON.parse(event.data);
    pending = pending.filter(function (p) { return p.id !== data.id; });
    var old = document.getElementById(data.anchor);
    if (old) { old.remove(); }
    button.textContent = label(pending.length);
    button.hidden = pending.length === 0;
  });

  button.addEventListener("click", function () {
    var first = null;
    pending.sort(function (a, b) { return a.posted < b.posted ? -1 : 1; });
    pending.forEach(function (item) {
      var tpl = document.createElement("template");
      tpl.innerHTML = item.html.trim();
      var node = tpl.content.firstElementChild;
      var old = document.getElementById(item.anchor);
      if (old) { old.replaceWith(node); } else { timeline.insertBefore(node, timeline.firstElementChild); }
      first = node;
    });
    pending = [];
    button.hidden = true;
    var empty = document.getElementById("no-entries");
    if (empty) { empty.remove(); }
    if (first) {
      var top = timeline.firstElementChild;
      top.setAttribute("tabindex", "-1");
      top.focus();
    }
  });
})();
