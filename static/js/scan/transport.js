// Sending scans: one request at a time, strictly in queue order, each with its
// own value, scan id and device time. What an answer means for the queue:
//
//   2xx                        answered: show it, drop it, send the next one
//   X-Portal-Error csrf_failed the page's token expired: keep it, say "reload"
//   401                        the login expired: keep it, say "log in"
//   other 4xx                  refused: show why, drop it, send the next one
//   5xx, no answer             keep it, try again later (backing off)
//
// The CSRF failure is recognised by its error code (header, or the JSON
// body's error.code), never by the status alone: a scan the server refuses
// with 400 for another reason must not block the queue behind it.

export const CSRF_FAILED = "csrf_failed";
export const ERROR_HEADER = "X-Portal-Error";

/** What the queue does with an answer: "answered", "refused", "csrf", "login" or "retry". */
export function classify(status, errorCode) {
  if (!status) { return "retry"; }
  if (errorCode === CSRF_FAILED) { return "csrf"; }
  if (status >= 200 && status < 300) { return "answered"; }
  if (status === 401) { return "login"; }
  if (status >= 400 && status < 500) { return status === 408 || status === 429 ? "retry" : "refused"; }
  return "retry";
}

/** The error code of an answer: the header every error answer carries, or a JSON body's. */
export function errorCodeOf(headers, body) {
  const fromHeader = headers && typeof headers.get === "function" ? headers.get(ERROR_HEADER) : null;
  if (fromHeader) { return fromHeader.trim(); }
  if (body && body.trim().charAt(0) === "{") {
    try {
      const parsed = JSON.parse(body);
      return parsed && parsed.error && typeof parsed.error.code === "string" ? parsed.error.code : null;
    } catch (error) {
      return null;
    }
  }
  return null;
}

/** Milliseconds before retry number ``attempt`` (1, 2, ...): doubling, capped. */
export function backoff(attempt, { base = 1000, max = 10000 } = {}) {
  const n = Math.max(1, attempt);
  return Math.min(max, base * 2 ** (n - 1));
}

/** What a customer return's outcome scan carries besides its code (the returned serial). */
export const RETURN_FIELDS = ["outcome", "order_ref", "condition", "bin", "replacement_serial", "note"];

/** The form body of one queued entry. */
export function bodyFor(entry, session) {
  const body = new URLSearchParams();
  body.set("client_scan_id", entry.id);
  body.set("session", session || entry.session || "");
  if (entry.code !== undefined) { body.set("code", entry.code); }
  if (entry.target) { body.set("target", entry.target); }
  if (entry.reason) { body.set("reason", entry.reason); }
  if (entry.at) { body.set("scanned_at", entry.at); }
  if (entry.confirmOrder) { body.set("confirm_order", "y"); }
  if (entry.expiryOverride) { body.set("expiry_override", entry.expiryOverride); }
  for (const name of RETURN_FIELDS) {
    if (entry[name]) { body.set(name, entry[name]); }
  }
  return body;
}

/** One POST with the CSRF header; resolves to {status, errorCode, body, headers}
 *  (status 0 when there was no answer at all). */
export function poster({ fetchImpl = globalThis.fetch, csrfToken }) {
  return async function post(url, body) {
    let response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "Accept": "text/html" },
        body,
      });
    } catch (error) {
      return { status: 0, errorCode: null, body: "", headers: null };
    }
    let text = "";
    try { text = await response.text(); } catch (error) { return { status: 0, errorCode: null, body: "", headers: null }; }
    return { status: response.status, errorCode: errorCodeOf(response.headers, text), body: text, headers: response.headers };
  };
}

/**
 * Sends the queue's scans one after another.
 *
 * ``send(entry)`` posts one entry and resolves to {status, errorCode, ...};
 * ``handlers`` get each outcome: answered(entry, answer), refused(entry, answer),
 * waiting(entry, outcome, answer) for csrf/login/retry, idle() when the queue is empty.
 * ``timers`` is {set(fn, ms), clear(id)} (window.setTimeout in the page, a fake in tests).
 */
export class Sender {
  constructor({ queue, send, handlers = {}, timers, backoffOptions } = {}) {
    this.queue = queue;
    this.send = send;
    this.handlers = handlers;
    this.timers = timers || { set: (fn, ms) => setTimeout(fn, ms), clear: (id) => clearTimeout(id) };
    this.backoffOptions = backoffOptions;
    this.busy = false;
    this.attempt = 0;
    this.timer = null;
    this.current = null;
    this.problem = null;  // why the queue waits: "csrf", "login" or "retry"
  }

  /** Is a scan waiting for a retry (no network, the portal down, a token to renew)? */
  get waiting() { return this.timer !== null; }

  /** Send now (the network came back, the page became visible). */
  wake() {
    if (this.timer !== null) { this.timers.clear(this.timer); this.timer = null; }
    this.attempt = 0;
    return this.pump();
  }

  /** Send the next scan if none is on its way; resolves when the queue is empty or waiting. */
  async pump() {
    if (this.busy || this.timer !== null) { return; }
    this.busy = true;
    try {
      for (;;) {
        const entry = this.queue.first();
        if (!entry) { this.call("idle"); return; }
        this.current = entry;
        this.call("sending", entry);
        const answer = await this.send(entry);
        const outcome = classify(answer.status, answer.errorCode);
        if (outcome === "answered" || outcome === "refused") {
          this.queue.drop(entry.id);
          this.attempt = 0;
          this.problem = null;
          this.call(outcome, entry, answer);
          continue;
        }
        this.attempt += 1;
        this.problem = outcome;
        this.timer = this.timers.set(() => { this.timer = null; this.pump(); }, backoff(this.attempt, this.backoffOptions));
        this.call("waiting", entry, outcome, answer);  // after the timer: the handler sees it waiting
        return;
      }
    } finally {
      this.current = null;
      this.busy = false;
    }
  }

  call(name, ...args) {
    const handler = this.handlers[name];
    if (handler) {
      try { handler(...args); } catch (error) { if (globalThis.console) { console.warn(error); } }
    }
  }
}
