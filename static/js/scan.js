// The scan station. A handheld scanner types the code into the focused field
// and presses Enter, a scan every second or two. The rules this script keeps:
//
// * On Enter the field's value is taken and the field cleared at once, so the
//   next scan can be typed while this one is on its way.
// * Every scan goes into a queue kept in localStorage (it survives a reload)
//   and is sent strictly one after another, each request carrying its own
//   value and its own client scan id: a resend returns the first answer.
// * When the network is gone the scan waits in the queue; the page says how
//   many are waiting and replays them in order when it comes back.
// * Focus always returns to the scan field.
(function () {
  "use strict";

  var station = document.getElementById("scan-station");
  if (!station) { return; }

  var field = document.getElementById("scan-code");
  var form = document.getElementById("scan-form");
  var banner = document.getElementById("scan-banner");
  var log = document.getElementById("scan-log");
  var queueStatus = document.getElementById("queue-status");
  var rowTemplate = document.getElementById("pending-row-template");
  var task = station.dataset.task;
  var user = station.dataset.user;
  var MAX_ROWS = 20;
  var RETRY_MS = 4000;
  var QUEUE_KEY = "portal.scanQueue." + user + "." + task;
  var SESSION_KEY = "portal.scanSession." + user + "." + task;

  // --- ids ------------------------------------------------------------------------
  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    var hex = "";
    for (var j = 0; j < 16; j++) { hex += (bytes[j] + 256).toString(16).slice(1); }
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); return true; } catch (e) { return false; }
  }

  function sessionKey() {
    var key = storageGet(SESSION_KEY);
    if (!key) { key = newId(); storageSet(SESSION_KEY, key); }
    return key;
  }

  // --- the queue (localStorage) ---------------------------------------------------
  var memoryQueue = [];  // used only if localStorage is unavailable
  function loadQueue() {
    var raw = storageGet(QUEUE_KEY);
    if (raw === null) { return memoryQueue.slice(); }
    try { return JSON.parse(raw) || []; } catch (e) { return []; }
  }
  function saveQueue(queue) {
    memoryQueue = queue.slice();
    storageSet(QUEUE_KEY, JSON.stringify(queue));
  }
  function enqueue(entry) {
    var queue = loadQueue();
    queue.push(entry);
    saveQueue(queue);
  }
  function dropFromQueue(id) {
    saveQueue(loadQueue().filter(function (e) { return e.id !== id; }));
  }

  // --- focus ----------------------------------------------------------------------
  function focusField() {
    if (document.activeElement === field) { return; }
    var active = document.activeElement;
    if (active && active.tagName === "SELECT") { return; }  // choosing a reason
    field.focus({ preventScroll: true });
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && (target.tagName === "SELECT" || target.tagName === "OPTION")) { return; }
    if (target && target.tagName === "INPUT" && target !== field) { return; }
    window.setTimeout(focusField, 0);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { focusField(); pump(); }
  });
  window.addEventListener("pageshow", function () { focusField(); pump(); });
  window.addEventListener("focus", focusField);
  var reason = document.getElementById("defect-reason");
  if (reason) { reason.addEventListener("change", function () { field.focus(); }); }

  // --- feedback: banner, sound, vibration -------------------------------------------
  var audio = null;
  function tone(freq, start, length, type) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + length);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length + 0.02);
  }
  function sound(result) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") { audio.resume(); }
      if (result === "accepted") {
        tone(1320, 0, 0.12, "sine");
      } else if (result === "warning") {
        tone(660, 0, 0.12, "triangle");
        tone(660, 0.18, 0.12, "triangle");
      } else {
        tone(180, 0, 0.45, "square");
      }
    } catch (e) { /* no sound on this device */ }
  }
  var PATTERNS = { accepted: [60], warning: [90, 60, 90], refused: [350, 120, 350] };
  function vibrate(result) {
    if (navigator.vibrate) {
      try { navigator.vibrate(PATTERNS[result] || PATTERNS.refused); } catch (e) { /* ignore */ }
    }
  }
  function showBanner(result, message) {
    banner.className = "banner banner-" + result;
    banner.textContent = message;
  }
  function feedback(result, message) {
    showBanner(result, message);
    sound(result);
    vibrate(result);
  }

  function updateContext(context) {
    if (!context) { return; }
    Object.keys(context).forEach(function (name) {
      var cell = document.querySelector('[data-context="' + name + '"]');
      if (cell && context[name] !== undefined) {
        cell.textContent = context[name] || (name === "bin" ? "— scan a bin label" : "— scan the order reference");
      }
    });
  }

  // --- rows -----------------------------------------------------------------------
  function trimLog() {
    while (log.children.length > MAX_ROWS) { log.removeChild(log.lastElementChild); }
  }
  function pendingRow(entry, waiting) {
    var existing = log.querySelector('[data-scan-id="' + entry.id + '"]');
    if (existing) { return existing; }
    var row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.setAttribute("data-scan-id", entry.id);
    row.querySelector(".scan-code").textContent = entry.label || entry.code;
    if (waiting) { markWaiting(row); }
    log.insertBefore(row, log.firstChild);
    trimLog();
    return row;
  }
  function markWaiting(row) {
    row.classList.add("scan-waiting");
    row.querySelector(".scan-message").textContent = "Waiting for the network…";
  }
  function replaceRow(entry, html) {
    var row = log.querySelector('[data-scan-id="' + entry.id + '"]');
    var holder = document.createElement("ol");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    if (!fresh) { return; }
    if (row) { log.replaceChild(fresh, row); } else { log.insertBefore(fresh, log.firstChild); trimLog(); }
  }
  function refusedRow(entry, message) {
    var row = pendingRow(entry, false);
    row.className = "scan-row scan-refused";
    row.setAttribute("data-result", "refused");
    row.querySelector(".scan-message").textContent = message;
  }

  function updateQueueStatus() {
    var waiting = loadQueue().length;
    var offline = navigator.onLine === false;
    if (waiting > (busy ? 1 : 0) || offline) {
      queueStatus.hidden = false;
      queueStatus.textContent = (offline ? "No network. " : "") + waiting + " scan" +
        (waiting === 1 ? "" : "s") + " waiting to be sent.";
    } else {
      queueStatus.hidden = true;
      queueStatus.textContent = "";
    }
    queueStatus.setAttribute("data-waiting", String(waiting));
  }

  // The words of an error page or fragment (parsed inertly: nothing loads or runs).
  function textOf(html) {
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    var main = doc.querySelector("main") || doc.body;
    return (main ? main.textContent : "").replace(/\s+/g, " ").trim().slice(0, 300);
  }

  // --- sending, one at a time -------------------------------------------------------
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function urlFor(entry) {
    if (entry.kind === "undo") { return station.dataset.undoUrl; }
    if (entry.kind === "new_order") { return station.dataset.newOrderUrl; }
    return station.dataset.scanUrl;
  }
  function bodyFor(entry) {
    var body = new URLSearchParams();
    body.set("client_scan_id", entry.id);
    body.set("session", entry.session);
    if (entry.code !== undefined) { body.set("code", entry.code); }
    if (entry.target) { body.set("target", entry.target); }
    if (entry.reason) { body.set("reason", entry.reason); }
    return body;
  }

  // Outcome of one request: "done" (answered, drop it from the queue) or
  // "wait" (no network, or the server cannot take it now: keep it, retry later).
  function send(entry) {
    return fetch(urlFor(entry), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "Accept": "text/html" },
      body: bodyFor(entry)
    }).then(function (response) {
      if (response.status === 401) {
        showBanner("refused", "Your login has expired: log in again in another tab. " +
          "Your scans are kept and will be sent.");
        return "wait";
      }
      if (response.status === 400) {  // the page's CSRF token expired: reloading fixes it
        showBanner("refused", "This page has expired: reload it. Your scans are kept and will be sent.");
        return "wait";
      }
      if (response.status === 502 || response.status === 503 || response.status === 504 ||
          response.status === 0) {
        showBanner("warning", "The portal cannot take scans right now; they are kept and will be sent.");
        return "wait";
      }
      return response.text().then(function (html) {
        if (response.ok) {
          var answer = null;
          try {
            answer = JSON.parse(response.headers.get("HX-Trigger") || "{}")["scan:result"];
          } catch (e) { answer = null; }
          replaceRow(entry, html);
          if (answer) {
            feedback(answer.result, answer.message);
            updateContext(answer.context);
            if (entry.kind === "undo" && answer.result !== "refused") { markUndone(entry.target); }
          }
        } else {
          var said = textOf(html);
          var message = "Not recorded: " + (said || "the portal answered with an error (" +
            response.status + ").") + " Scan it again.";
          refusedRow(entry, message);
          feedback("refused", message);
        }
        return "done";
      });
    }, function () {
      return "wait";  // no network: fetch rejects
    });
  }

  var busy = false;
  var retryTimer = null;
  function pump() {
    if (busy) { return; }
    var queue = loadQueue();
    updateQueueStatus();
    if (!queue.length) { return; }
    busy = true;
    var entry = queue[0];
    pendingRow(entry, false);
    send(entry).then(function (outcome) {
      busy = false;
      if (outcome === "wait") {
        var row = log.querySelector('[data-scan-id="' + entry.id + '"]');
        loadQueue().forEach(function (e) {
          var r = log.querySelector('[data-scan-id="' + e.id + '"]');
          if (r) { markWaiting(r); }
        });
        if (row) { markWaiting(row); }
        updateQueueStatus();
        scheduleRetry();
      } else {
        dropFromQueue(entry.id);
        updateQueueStatus();
        pump();
      }
      focusField();
    });
  }
  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = null; pump(); }, RETRY_MS);
  }
  window.setInterval(function () { if (loadQueue().length) { pump(); } }, RETRY_MS * 2);
  window.addEventListener("online", function () { updateQueueStatus(); pump(); });
  window.addEventListener("offline", updateQueueStatus);

  function submitEntry(entry) {
    entry.session = sessionKey();
    entry.at = new Date().toISOString();
    enqueue(entry);
    pendingRow(entry, retryTimer !== null || navigator.onLine === false);
    updateQueueStatus();
    pump();
  }

  function submitCode(code) {
    if (!code || !code.replace(/\s+/g, "")) { return; }
    var entry = { id: newId(), kind: "scan", code: code };
    if (reason) { entry.reason = reason.value; }
    submitEntry(entry);
  }

  // --- the scan field ---------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = field.value;
    field.value = "";  // at once: the next scan may already be typing
    submitCode(code);
    focusField();
  });
  field.addEventListener("keydown", function (event) {
    // a scanner set to send Tab as its suffix: treat it like Enter
    if (event.key === "Tab" && field.value) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      return;
    }
    // GS1 group separator sent as Ctrl+] by some keyboard wedges
    if (event.ctrlKey && (event.key === "]" || event.code === "BracketRight")) {
      event.preventDefault();
      field.value += "\u001d";
    }
  });

  // --- buttons ----------------------------------------------------------------------
  var keyboardButton = document.getElementById("keyboard-button");
  keyboardButton.addEventListener("click", function () {
    var typing = field.getAttribute("inputmode") === "none";
    field.setAttribute("inputmode", typing ? "text" : "none");
    keyboardButton.setAttribute("aria-pressed", typing ? "true" : "false");
    keyboardButton.textContent = typing ? "Hide keyboard" : "Type by hand";
    field.blur();
    field.focus();
  });

  function markUndone(scanId) {
    var row = log.querySelector('[data-scan-id="' + scanId + '"]');
    if (row) { row.classList.add("scan-undone"); row.setAttribute("data-undoable", "false"); }
  }
  var queuedUndo = {};
  document.getElementById("undo-button").addEventListener("click", function () {
    var rows = log.querySelectorAll('.scan-row[data-undoable="true"]');
    var target = null;
    for (var i = 0; i < rows.length; i++) {
      if (!queuedUndo[rows[i].getAttribute("data-scan-id")]) { target = rows[i]; break; }
    }
    if (!target) {
      feedback("warning", "Nothing to undo.");
      return;
    }
    var targetId = target.getAttribute("data-scan-id");
    queuedUndo[targetId] = true;
    var code = target.querySelector(".scan-code").textContent;
    submitEntry({ id: newId(), kind: "undo", target: targetId, label: "undo " + code });
  });

  var newOrder = document.getElementById("new-order-button");
  if (newOrder) {
    newOrder.addEventListener("click", function () {
      submitEntry({ id: newId(), kind: "new_order", label: "new order" });
    });
  }

  // --- count: finish and apply ----------------------------------------------------
  var countResult = document.getElementById("count-result");
  function postForm(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }, body: body
    });
  }
  function showCountAnswer(response) {
    return response.text().then(function (html) {
      if (response.ok) {
        countResult.innerHTML = html;
      } else {
        feedback("refused", textOf(html) || "The count could not be finished.");
      }
    });
  }
  var finish = document.getElementById("finish-count-button");
  if (finish) {
    finish.addEventListener("click", function () {
      if (loadQueue().length) {
        feedback("warning", "Some scans are still waiting to be sent: finish when they are.");
        return;
      }
      postForm(station.dataset.finishUrl, { session: sessionKey() }).then(showCountAnswer, function () {
        feedback("warning", "No network: finish the count when the connection is back.");
      });
    });
  }
  if (countResult) {
    countResult.addEventListener("click", function (event) {
      var button = event.target.closest("#apply-count-button");
      if (!button) { return; }
      button.disabled = true;
      postForm(station.dataset.applyUrl, { session: sessionKey(), count_id: button.getAttribute("data-count-id") })
        .then(function (response) {
          return showCountAnswer(response).then(function () {
            if (response.ok) { feedback("accepted", "Count applied."); }
          });
        }, function () {
          button.disabled = false;
          feedback("warning", "No network: apply again when the connection is back.");
        });
    });
  }

  // --- camera -----------------------------------------------------------------------
  var cameraButton = document.getElementById("camera-button");
  var cameraPanel = document.getElementById("camera-panel");
  var video = document.getElementById("camera-video");
  var stream = null;
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    cameraPanel.hidden = true;
    focusField();
  }
  function cameraUnavailableReason() {
    if (!("BarcodeDetector" in window)) {
      return "This browser has no built-in barcode reader (BarcodeDetector), so the camera cannot read " +
        "codes here. Use the handheld's scanner, or type the code by hand.";
    }
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return "The camera needs the portal to be opened over HTTPS. Use the handheld's scanner.";
    }
    return null;
  }
  cameraButton.addEventListener("click", function () {
    var why = cameraUnavailableReason();
    if (why) { showBanner("warning", why); return; }
    var detector;
    try {
      detector = new window.BarcodeDetector();
    } catch (e) {
      showBanner("warning", "The camera's barcode reader could not start here. Use the handheld's scanner.");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      cameraPanel.hidden = false;
      video.play();
      var look = function () {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue) {
            var value = codes[0].rawValue;
            stopCamera();
            submitCode(value);
          } else {
            window.setTimeout(look, 200);
          }
        }, function () { window.setTimeout(look, 400); });
      };
      look();
    }, function () {
      showBanner("warning", "The camera was not allowed. Use the handheld's scanner.");
    });
  });
  document.getElementById("camera-close").addEventListener("click", stopCamera);
  if (cameraUnavailableReason()) { cameraButton.setAttribute("data-unavailable", "true"); }

  // --- start ------------------------------------------------------------------------
  // the sticky bin / order of this page's session
  fetch(station.dataset.contextUrl + "?session=" + encodeURIComponent(sessionKey()), {
    credentials: "same-origin", headers: { "HX-Request": "true" }
  }).then(function (response) {
    return response.ok ? response.text() : null;
  }).then(function (html) {
    if (html) { document.getElementById("scan-context-wrap").innerHTML = html; }
  }, function () { /* offline: the context comes with the next answer */ });

  // scans left in the queue by an earlier visit (reload, crash, no network)
  loadQueue().forEach(function (entry) { pendingRow(entry, true); });
  updateQueueStatus();
  focusField();
  pump();
})();
