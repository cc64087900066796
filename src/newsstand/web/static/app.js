// Newsstand: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Offline reading: the service worker keeps saved articles readable without a network.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "saved-synced") { document.body.dataset.offlineReady = "1"; }
    });
    navigator.serviceWorker.register("/sw.js").then(function (reg) {
      var worker = reg.active || reg.waiting || reg.installing;
      // After saving or unsaving, every copy is refreshed; on any other page the worker checks
      // the list, so copies a reader may no longer read (signed out, lapsed) are dropped.
      var kind = document.body.dataset.syncSaved === "1" ? "sync-saved" : "check-saved";
      navigator.serviceWorker.ready.then(function (r) {
        (r.active || worker).postMessage({ type: kind });
      });
    }).catch(function () { /* offline reading is optional */ });
  }

  // The browser's time zone: the default for a new account, a suggestion on the account page.
  var browserZone = "";
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* none */ }
  document.querySelectorAll("[data-browser-time-zone]").forEach(function (input) { input.value = browserZone; });
  var zoneHint = document.querySelector("[data-browser-zone]");
  var zoneInput = document.getElementById("time-zone");
  if (zoneHint && zoneInput && browserZone && browserZone !== zoneInput.value) {
    var use = zoneHint.querySelector("[data-use-browser-zone]");
    use.textContent = browserZone;
    use.addEventListener("click", function () { zoneInput.value = browserZone; });
    zoneHint.hidden = false;
  }

  // Reading time: seconds the article was in front of the reader (the tab visible), reported
  // when the page is hidden or left, and every minute. The server credits no more than the
  // time since the read began, so this can only ever tell it less than the truth.
  var reading = document.querySelector("[data-reading-time]");
  if (reading && navigator.sendBeacon) {
    var counted = 0;
    var since = document.visibilityState === "visible" ? Date.now() : null;
    var take = function () {
      if (since !== null) { counted += (Date.now() - since) / 1000; since = Date.now(); }
      var whole = Math.floor(counted);
      counted -= whole;
      return whole;
    };
    var report = function () {
      var seconds = take();
      if (seconds < 1) { return; }
      var form = new FormData();
      form.append("csrf_token", reading.getAttribute("data-csrf"));
      form.append("seconds", String(seconds));
      navigator.sendBeacon(reading.getAttribute("data-reading-time"), form);
    };
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { since = Date.now(); return; }
      report();
      since = null;
    });
    window.addEventListener("pagehide", report);
    window.setInterval(report, 60000);
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
