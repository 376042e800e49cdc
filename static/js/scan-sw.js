// The scan station's service worker (served as /scan/sw.js, scope /scan/):
// keeps the station's own files so that reloading a scan page without network
// still shows the station, with its queue of scans made offline.
//
// Network first, the cache when there is no network: online, every page and
// file is fresh (and refreshes the cache); offline, the last copy is used.
// Only GET requests for the scan pages and the station's own static files are
// kept; scans (POST), the context and every other page always go to the network.
const CACHE = "portal-scan-station-v2";
const STATIC = "/static/";
const SHELL = [
  "css/portal.css",
  "css/scan.css",
  "vendor/htmx-2.0.11.min.js",
  "js/portal.js",
  "js/scan/station.js",
  "js/scan/queue.js",
  "js/scan/transport.js",
  "js/scan/feedback.js",
  "js/scan/camera.js",
  "js/scan/customer-return.js",
].map((path) => STATIC + path);
const KEPT_STATIC = /^\/static\/(css|js|vendor)\//;
const SCAN_PAGE = /^\/scan\/[a-z-]+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE && name.startsWith("portal-scan-station-")) { await caches.delete(name); }
    }
    await self.clients.claim();
    // the page that registered us loaded before we could see it: keep it now
    const cache = await caches.open(CACHE);
    for (const client of await self.clients.matchAll({ type: "window" })) {
      const url = new URL(client.url);
      if (url.origin === self.location.origin && SCAN_PAGE.test(url.pathname)) {
        try {
          const response = await fetch(url.pathname, { credentials: "same-origin" });
          if (response.ok && !response.redirected) { await cache.put(url.pathname, response); }
        } catch (error) { /* offline already: next time */ }
      }
    }
  })());
});

function kept(request) {
  if (request.method !== "GET") { return false; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return false; }
  return KEPT_STATIC.test(url.pathname) || (request.mode === "navigate" && SCAN_PAGE.test(url.pathname));
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const key = new URL(request.url).pathname;
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      await cache.put(key, response.clone());
    } else if (response.redirected && request.mode === "navigate") {
      // logged out: what this user's pages showed must not stay on the device
      for (const old of await cache.keys()) {
        if (SCAN_PAGE.test(new URL(old.url).pathname)) { await cache.delete(old); }
      }
    }
    return response;
  } catch (error) {
    const cached = await cache.match(key, { ignoreVary: true, ignoreSearch: true });
    if (cached) { return cached; }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  if (kept(event.request)) { event.respondWith(networkFirst(event.request)); }
});
