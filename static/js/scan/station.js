// The scan station page: wires the queue, the sender, the feedback and the
// camera to the page. A handheld scanner types the code into the focused field
// and presses Enter, a scan every second or two. The rules kept here:
//
// * On Enter the field's value is taken and the field cleared at once, so the
//   next scan can be typed while this one is on its way.
// * Every scan goes into the queue first (localStorage) with its own id and
//   the device's time, and is sent strictly one after another.
// * A scan that cannot be sent now says so at once (its own colour, sound and
//   vibration: saved on this device, will send) and is replayed in order.
// * Focus always returns to the scan field.
import { CameraReader, cameraUnavailableReason } from "./camera.js";
import { startReturnDesk } from "./customer-return.js";
import { Feedback, shownAs } from "./feedback.js";
import { ScanQueue, browserStorage, newId, sessionKey as storedSessionKey } from "./queue.js";
import { Sender, bodyFor, poster } from "./transport.js";

const MAX_ROWS = 20;
const QUEUED_MESSAGE = "Saved on this device, will send when the network is back.";
const PROBLEMS = {
  csrf: "This page has expired: reload it. Your scans are kept and will be sent.",
  login: "Your login has expired: log in again in another tab. Your scans are kept and will be sent.",
};

const station = document.getElementById("scan-station");
if (station) { start(station); }

function start(station) {
  const $ = (id) => document.getElementById(id);
  const field = $("scan-code");
  const form = $("scan-form");
  const log = $("scan-log");
  const queueStatus = $("queue-status");
  const rowTemplate = $("pending-row-template");
  const reason = $("defect-reason");
  const condition = $("scan-condition");  // the condition task: chosen once, sent with every serial
  const conditionNote = $("scan-note");
  const confirmPanel = $("order-confirm");
  const { task, user } = station.dataset;
  const storage = browserStorage();
  const queue = new ScanQueue(storage, `portal.scanQueue.${user}.${task}`);
  const feedback = new Feedback({ banner: $("scan-banner") });
  let session = null;
  const sessionKey = () => (session = session || storedSessionKey(storage, `portal.scanSession.${user}.${task}`));
  const csrfToken = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
  const post = poster({ csrfToken });

  // --- focus ----------------------------------------------------------------------
  function focusField() {
    const active = document.activeElement;
    if (active === field) { return; }
    if (active && active.tagName === "SELECT") { return; }  // choosing a reason
    if (active && active.closest && active.closest("[data-keeps-focus]")) { return; }  // writing an override note
    field.focus({ preventScroll: true });
  }
  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target && (target.tagName === "SELECT" || target.tagName === "OPTION")) { return; }
    if (target && target.tagName === "INPUT" && target !== field) { return; }
    window.setTimeout(focusField, 0);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { focusField(); sender.wake(); }
  });
  window.addEventListener("pageshow", () => { focusField(); sender.pump(); });
  window.addEventListener("focus", focusField);
  if (reason) { reason.addEventListener("change", () => field.focus()); }
  if (condition) { condition.addEventListener("change", () => field.focus()); }
  if (conditionNote) {  // Enter or Tab after the note: back to scanning
    conditionNote.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); field.focus(); }
    });
  }
  $("scan-banner").addEventListener("click", () => feedback.toggleDetails());

  // --- rows -----------------------------------------------------------------------
  const rowOf = (id) => log.querySelector(`[data-scan-id="${CSS.escape(id)}"]`);
  function trimLog() {
    while (log.children.length > MAX_ROWS) { log.removeChild(log.lastElementChild); }
  }
  function pendingRow(entry, waiting) {
    let row = rowOf(entry.id);
    if (!row) {
      row = rowTemplate.content.firstElementChild.cloneNode(true);
      row.setAttribute("data-scan-id", entry.id);
      row.querySelector(".scan-code").textContent = entry.label || entry.code;
      log.insertBefore(row, log.firstChild);
      trimLog();
    }
    if (waiting) { markWaiting(row); }
    return row;
  }
  function markWaiting(row) {
    row.classList.add("scan-waiting");
    row.querySelector(".scan-message").textContent = "Saved on this device: waiting for the network…";
  }
  function replaceRow(entry, html) {
    const holder = document.createElement("ol");
    holder.innerHTML = html.trim();  // our own escaped fragment
    const fresh = holder.firstElementChild;
    if (!fresh) { return; }
    const row = rowOf(entry.id);
    if (row) { log.replaceChild(fresh, row); } else { log.insertBefore(fresh, log.firstChild); trimLog(); }
  }
  function refusedRow(entry, message) {
    const row = pendingRow(entry, false);
    row.className = "scan-row scan-refused";
    row.setAttribute("data-result", "refused");
    row.querySelector(".scan-message").textContent = message;
  }
  function markUndone(scanId) {
    const row = rowOf(scanId);
    if (row) { row.classList.add("scan-undone"); row.setAttribute("data-undoable", "false"); }
  }

  function updateQueueStatus() {
    const waiting = queue.length;
    const offline = navigator.onLine === false;
    if (waiting > (sender.busy && !sender.waiting ? 1 : 0) || offline) {
      queueStatus.hidden = false;
      queueStatus.textContent = `${offline ? "No network. " : ""}${waiting} scan${waiting === 1 ? "" : "s"} waiting to be sent.`;
    } else {
      queueStatus.hidden = true;
      queueStatus.textContent = "";
    }
    queueStatus.setAttribute("data-waiting", String(waiting));
  }

  function updateContext(context) {
    if (!context) { return; }
    for (const [name, value] of Object.entries(context)) {
      const cell = document.querySelector(`[data-context="${name}"]`);
      if (cell && value !== undefined) { cell.textContent = value || cell.getAttribute("data-empty") || ""; }
    }
  }

  // The words of an error page or fragment (parsed inertly: nothing loads or runs).
  function textOf(html) {
    const doc = new DOMParser().parseFromString(html || "", "text/html");
    const main = doc.querySelector("main") || doc.body;
    return (main ? main.textContent : "").replace(/\s+/g, " ").trim().slice(0, 300);
  }

  // --- the order reference confirmation (ship) ------------------------------------
  function askToConfirm(question) {
    if (!confirmPanel) { return; }
    $("order-confirm-question").textContent = question.question;
    confirmPanel.setAttribute("data-order-ref", question.order_ref);
    confirmPanel.hidden = false;
  }
  function closeConfirm() { if (confirmPanel) { confirmPanel.hidden = true; } }
  if (confirmPanel) {
    $("order-confirm-yes").addEventListener("click", () => {
      const ref = confirmPanel.getAttribute("data-order-ref");
      closeConfirm();
      if (ref) { submitEntry({ id: newId(), kind: "scan", code: ref, confirmOrder: true }); }
    });
    $("order-confirm-no").addEventListener("click", () => {
      closeConfirm();
      feedback.show("info", "Scan the order reference again.");
    });
  }

  // --- ship: a manager's "Ship anyway" for an expired unit -------------------------
  const overridePanel = $("expiry-override");  // rendered for managers only
  function offerOverride(expired) {
    if (!overridePanel) { return; }
    $("expiry-override-question").textContent = `${expired.serial} expired on ${expired.expires_at}. Ship it anyway?`;
    overridePanel.setAttribute("data-serial", expired.serial);
    const note = $("expiry-override-note");
    note.value = "";
    overridePanel.hidden = false;
    note.focus();
  }
  function closeOverride() { if (overridePanel) { overridePanel.hidden = true; } }
  if (overridePanel) {
    const note = $("expiry-override-note");
    const shipAnyway = () => {
      const serial = overridePanel.getAttribute("data-serial");
      const why = note.value.trim();
      if (!why) {
        feedback.show("info", "Write why it ships anyway in the note first.");
        note.focus();
        return;
      }
      closeOverride();
      if (serial) {
        submitEntry({ id: newId(), kind: "scan", code: serial, expiryOverride: why, label: `${serial} (ship anyway)` });
      }
      field.focus();
    };
    $("expiry-override-ship").addEventListener("click", shipAnyway);
    note.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); shipAnyway(); }
    });
    $("expiry-override-cancel").addEventListener("click", () => {
      closeOverride();
      feedback.show("info", "Not shipped. Put the expired unit aside.");
      field.focus();
    });
  }

  // --- sending ----------------------------------------------------------------------
  function urlFor(entry) {
    if (entry.kind === "undo") { return station.dataset.undoUrl; }
    if (entry.kind === "new_order") { return station.dataset.newOrderUrl; }
    return station.dataset.scanUrl;
  }
  function answerOf(headers) {
    try { return JSON.parse((headers && headers.get("HX-Trigger")) || "{}")["scan:result"] || null; } catch (e) { return null; }
  }
  const sender = new Sender({
    queue,
    send: (entry) => post(urlFor(entry), bodyFor(entry, sessionKey())),
    handlers: {
      sending(entry) { pendingRow(entry, false); updateQueueStatus(); },
      answered(entry, reply) {
        const answer = answerOf(reply.headers);
        replaceRow(entry, reply.body);
        if (desk && entry.outcome) { desk.answered(entry, answer); }
        if (answer) {
          feedback.signal(shownAs(answer), answer.message, { short: answer.headline });
          updateContext(answer.context);
          if (answer.confirm) { askToConfirm(answer.confirm); }
          if (answer.expired) { offerOverride(answer.expired); }
          if (entry.kind === "undo" && answer.result !== "refused") { markUndone(entry.target); }
        }
        updateQueueStatus();
        focusField();
      },
      refused(entry, reply) {
        const said = textOf(reply.body);
        const message = `Not recorded: ${said || `the portal refused it (${reply.status}).`} Scan it again.`;
        refusedRow(entry, message);
        if (desk && entry.outcome) { desk.answered(entry, { result: "refused", message }); }
        feedback.signal("refused", message);
        updateQueueStatus();
        focusField();
      },
      waiting(entry, outcome) {
        const wasQueued = entry.shownQueued;
        if (desk && entry.outcome) { desk.parked(entry); }
        for (const waitingEntry of queue.entries()) {
          const row = rowOf(waitingEntry.id);
          if (row) { markWaiting(row); }
        }
        if (PROBLEMS[outcome]) {
          feedback.show("refused", PROBLEMS[outcome]);
        } else if (!wasQueued) {
          markShownQueued(entry);
          feedback.signal("queued", QUEUED_MESSAGE);
        }
        updateQueueStatus();
        focusField();
      },
      idle() { updateQueueStatus(); },
    },
  });
  function markShownQueued(entry) {
    entry.shownQueued = true;
    const entries = queue.entries();
    for (const e of entries) { if (e.id === entry.id) { e.shownQueued = true; } }
    queue.save(entries);
  }
  window.setInterval(() => { if (queue.length) { sender.pump(); } }, 8000);
  const desk = task === "return" ? startReturnDesk({
    station, field, feedback, submitEntry: (entry) => submitEntry(entry), focusField,
  }) : null;
  window.addEventListener("online", () => { updateQueueStatus(); sender.wake(); });
  window.addEventListener("offline", updateQueueStatus);

  function submitEntry(entry) {
    entry.at = new Date().toISOString();  // when the scan was made, on this device
    const offline = navigator.onLine === false || sender.waiting;
    if (offline) { entry.shownQueued = true; }
    if (!queue.push(entry)) { return; }
    pendingRow(entry, offline);
    if (offline && desk && entry.outcome) { desk.parked(entry); }
    if (offline && PROBLEMS[sender.problem]) {
      feedback.signal("queued", PROBLEMS[sender.problem]);  // kept, but the page must be reloaded first
    } else if (offline) {
      feedback.signal("queued", `${QUEUED_MESSAGE} (${entry.label || entry.code})`, { short: QUEUED_MESSAGE });
    }
    updateQueueStatus();
    sender.pump();
  }

  function submitCode(code) {
    if (!code || !code.replace(/\s+/g, "")) { return; }
    closeConfirm();
    closeOverride();
    if (desk) { desk.take(code); return; }  // customer return: a warranty check, or the outcome it completes
    const entry = { id: newId(), kind: "scan", code };
    if (reason) { entry.reason = reason.value; }
    if (condition) { entry.condition = condition.value; entry.note = conditionNote.value.trim(); }
    submitEntry(entry);
  }

  // --- the scan field ---------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = field.value;
    field.value = "";  // at once: the next scan may already be typing
    submitCode(code);
    focusField();
  });
  field.addEventListener("keydown", (event) => {
    // a scanner set to send Tab as its suffix: treat it like Enter
    if (event.key === "Tab" && field.value) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    // GS1 group separator sent as Ctrl+] by some keyboard wedges
    if (event.ctrlKey && (event.key === "]" || event.code === "BracketRight")) {
      event.preventDefault();
      field.value += "\u001d";
    }
  });

  // --- buttons ----------------------------------------------------------------------
  const keyboardButton = $("keyboard-button");
  keyboardButton.addEventListener("click", () => {
    const typing = field.getAttribute("inputmode") === "none";
    field.setAttribute("inputmode", typing ? "text" : "none");
    keyboardButton.setAttribute("aria-pressed", typing ? "true" : "false");
    keyboardButton.textContent = typing ? "Hide keyboard" : "Type by hand";
    field.blur();
    field.focus();
  });

  const queuedUndo = new Set();
  const undoButton = $("undo-button");  // not on the return task: a customer return is not undone here
  if (undoButton) undoButton.addEventListener("click", () => {
    const rows = log.querySelectorAll('.scan-row[data-undoable="true"]');
    const target = Array.from(rows).find((row) => !queuedUndo.has(row.getAttribute("data-scan-id")));
    if (!target) {
      feedback.signal("info", "Nothing to undo.");
      return;
    }
    const targetId = target.getAttribute("data-scan-id");
    queuedUndo.add(targetId);
    const code = target.querySelector(".scan-code").textContent;
    submitEntry({ id: newId(), kind: "undo", target: targetId, label: `undo ${code}` });
  });

  const newOrder = $("new-order-button");
  if (newOrder) {
    newOrder.addEventListener("click", () => {
      closeConfirm();
      submitEntry({ id: newId(), kind: "new_order", label: "new order" });
    });
  }

  // --- count: finish and apply ----------------------------------------------------
  const countResult = $("count-result");
  function postForm(url, fields) {
    const body = new URLSearchParams(fields);
    return post(url, body);
  }
  function showCountAnswer(reply) {
    if (reply.status >= 200 && reply.status < 300) {
      countResult.innerHTML = reply.body;  // our own escaped fragment
      const bar = countResult.querySelector(".count-actions");
      if (bar) { bar.scrollIntoView({ block: "start" }); }
      return true;
    }
    if (!reply.status) {
      feedback.signal("queued", "No network: try again when the connection is back.");
    } else {
      feedback.signal("refused", textOf(reply.body) || "The count could not be finished.");
    }
    return false;
  }
  const finish = $("finish-count-button");
  if (finish) {
    finish.addEventListener("click", () => {
      if (queue.length) {
        feedback.signal("warning", "Some scans are still waiting to be sent: finish when they are.");
        return;
      }
      postForm(station.dataset.finishUrl, { session: sessionKey() }).then(showCountAnswer);
    });
  }
  if (countResult) {
    countResult.addEventListener("click", (event) => {
      const button = event.target.closest("#apply-count-button");
      if (!button) { return; }
      button.disabled = true;
      postForm(station.dataset.applyUrl, { session: sessionKey(), count_id: button.getAttribute("data-count-id") })
        .then((reply) => {
          if (showCountAnswer(reply)) { feedback.signal("accepted", "Count applied."); } else { button.disabled = false; }
        });
    });
  }

  // --- camera -----------------------------------------------------------------------
  const cameraButton = $("camera-button");
  const camera = new CameraReader({
    panel: $("camera-panel"),
    video: $("camera-video"),
    scriptUrl: station.dataset.barcodePolyfill,
    wasmUrl: station.dataset.barcodeWasm,
    onCode: submitCode,
    onProblem: (why) => { feedback.show("info", why); focusField(); },
    onClose: focusField,
  });
  cameraButton.addEventListener("click", () => camera.open());
  $("camera-close").addEventListener("click", () => camera.close());
  if (cameraUnavailableReason()) { cameraButton.setAttribute("data-unavailable", "true"); }

  // --- offline: the station's own files from a service worker --------------------
  if ("serviceWorker" in navigator && station.dataset.serviceWorker) {
    navigator.serviceWorker.register(station.dataset.serviceWorker, { scope: station.dataset.serviceWorkerScope })
      .catch(() => { /* no offline reload on this device; the queue still works */ });
  }

  // --- start ------------------------------------------------------------------------
  // the sticky bin / order of this page's session
  fetch(`${station.dataset.contextUrl}?session=${encodeURIComponent(sessionKey())}`, {
    credentials: "same-origin", headers: { "HX-Request": "true" },
  }).then((response) => (response.ok ? response.text() : null)).then((html) => {
    if (html) { $("scan-context-wrap").innerHTML = html; }
  }, () => { /* offline: the context comes with the next answer */ });

  // scans left in the queue by an earlier visit (reload, crash, no network)
  for (const entry of queue.entries()) { pendingRow(entry, true); }
  updateQueueStatus();
  focusField();
  sender.pump();
}
