// Newsstand service worker: saved articles stay readable offline.
"use strict";
var CACHE = "newsstand-saved-v1";
var SHELL = "newsstand-shell-v1";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(["/offline"]); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// Keep exactly the pages the server lists: the reader's saved articles they may read in full
// now. Signed out, lapsed or deleted, the list shrinks (to nothing for anonymous readers) and
// the full texts leave this device. With refresh, every listed page is fetched again; without
// it (the check every page makes), only missing ones are.
function syncSaved(refresh) {
  return fetch("/saved/offline.json", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
    if (!r.ok) { return; }
    return r.json().then(function (data) {
      return caches.open(CACHE).then(function (cache) {
        var wanted = data.urls;
        return cache.keys().then(function (keys) {
          var have = keys.map(function (k) { return new URL(k.url).pathname; });
          var drops = keys.filter(function (k) {
            return wanted.indexOf(new URL(k.url).pathname) < 0;
          }).map(function (k) { return cache.delete(k); });
          var fetches = refresh ? wanted : wanted.filter(function (u) { return have.indexOf(u) < 0; });
          var adds = fetches.map(function (u) {
            return fetch(u, { credentials: "same-origin" }).then(function (resp) {
              if (resp.ok) { return cache.put(u, resp); }
            }).catch(function () {});
          });
          return Promise.all(drops.concat(adds));
        }).then(function () {
          // Tell open pages that their saved articles are now readable offline.
          return self.clients.matchAll().then(function (clients) {
            clients.forEach(function (c) { c.postMessage({ type: "saved-synced", count: wanted.length }); });
          });
        });
      });
    });
  }).catch(function () {});
}

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "sync-saved") { event.waitUntil(syncSaved(true)); }
  if (event.data && event.data.type === "check-saved") { event.waitUntil(syncSaved(false)); }
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(SHELL).then(function (cache) {
      return cache.match(req).then(function (hit) {
        return hit || fetch(req).then(function (resp) {
          if (resp.ok) { cache.put(req, resp.clone()); }
          return resp;
        });
      });
    }));
    return;
  }
  if (req.mode === "navigate") {
    // Network first, so readers see fresh news; the saved copy or the offline page when there is none.
    event.respondWith(fetch(req).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname, { ignoreSearch: true });
      }).then(function (hit) {
        return hit || caches.open(SHELL).then(function (shell) { return shell.match("/offline"); });
      });
    }));
  }
});
