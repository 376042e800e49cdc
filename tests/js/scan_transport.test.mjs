// Sending scans: one at a time, in order; only a CSRF failure asks for a reload;
// other 4xx are refused and leave the queue; 5xx and no network keep the scan and back off.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ScanQueue } from "../../static/js/scan/queue.js";
import { Sender, backoff, bodyFor, classify, errorCodeOf, poster } from "../../static/js/scan/transport.js";

const headers = (map) => ({ get: (name) => map[name] ?? map[name.toLowerCase()] ?? null });

class FakeTimers {
  constructor() { this.pending = []; }
  set(fn, ms) { this.pending.push({ fn, ms }); return this.pending.length; }
  clear() { this.pending = []; }
  async fire() { const due = this.pending.splice(0); for (const t of due) { await t.fn(); } }
}

function queueOf(...codes) {
  const queue = new ScanQueue(null, "q");
  codes.forEach((code, n) => queue.push({ id: `scan-${n}-0000`, code }));
  return queue;
}

test("classify: CSRF by its error code only, not by status 400", () => {
  assert.equal(classify(400, "csrf_failed"), "csrf");
  assert.equal(classify(400, "bad_scan_request"), "refused");
  assert.equal(classify(400, null), "refused");
  assert.equal(classify(422, "invalid_client_scan_id"), "refused");
  assert.equal(classify(404, null), "refused");
  assert.equal(classify(401, "unauthorized"), "login");
  assert.equal(classify(200, null), "answered");
  assert.equal(classify(500, "internal_error"), "retry");
  assert.equal(classify(503, null), "retry");
  assert.equal(classify(0, null), "retry");
  assert.equal(classify(429, null), "retry");
});

test("the error code comes from the header, or from a JSON body", () => {
  assert.equal(errorCodeOf(headers({ "X-Portal-Error": "csrf_failed" }), "<p>expired</p>"), "csrf_failed");
  assert.equal(errorCodeOf(headers({}), '{"error": {"code": "csrf_failed", "message": "x"}}'), "csrf_failed");
  assert.equal(errorCodeOf(headers({}), "<p>The form had expired</p>"), null);
  assert.equal(errorCodeOf(headers({}), "{broken"), null);
});

test("backoff doubles and is capped", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => backoff(n)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test("each request carries its own value, scan id, session and device time", () => {
  const body = bodyFor({ id: "abc-12345", code: "SN 1", at: "2026-12-03T10:00:00.000Z", reason: "cosmetic" }, "sess-0001");
  assert.equal(body.get("client_scan_id"), "abc-12345");
  assert.equal(body.get("code"), "SN 1");
  assert.equal(body.get("session"), "sess-0001");
  assert.equal(body.get("scanned_at"), "2026-12-03T10:00:00.000Z");
  assert.equal(body.get("reason"), "cosmetic");
  assert.equal(body.get("confirm_order"), null);
  assert.equal(bodyFor({ id: "abc-12345", code: "X", confirmOrder: true }, "s").get("confirm_order"), "y");
  assert.equal(body.get("expiry_override"), null);
});

test("a manager's Ship anyway sends its note as expiry_override, with the serial as the code", () => {
  const body = bodyFor({ id: "abc-12345", code: "SN-OLD", expiryOverride: "sold as is <b>" }, "s");
  assert.equal(body.get("code"), "SN-OLD");
  assert.equal(body.get("expiry_override"), "sold as is <b>");
});

test("the poster sends the CSRF header and turns a network failure into status 0", async () => {
  const seen = [];
  const post = poster({
    csrfToken: () => "tok",
    fetchImpl: async (url, init) => { seen.push([url, init]); return { status: 200, headers: headers({}), text: async () => "<li></li>" }; },
  });
  const reply = await post("/scan/put-away/scans", new URLSearchParams("code=A"));
  assert.equal(reply.status, 200);
  assert.equal(seen[0][1].headers["X-CSRFToken"], "tok");
  assert.equal(seen[0][1].method, "POST");
  const offline = poster({ csrfToken: () => "", fetchImpl: async () => { throw new TypeError("Failed to fetch"); } });
  assert.equal((await offline("/x", new URLSearchParams())).status, 0);
});

test("scans are sent strictly one after another, in order", async () => {
  const queue = queueOf("A", "B", "C");
  let inFlight = 0;
  let most = 0;
  const sent = [];
  const sender = new Sender({
    queue,
    timers: new FakeTimers(),
    send: async (entry) => {
      inFlight += 1; most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      sent.push(entry.code);
      inFlight -= 1;
      return { status: 200, errorCode: null };
    },
  });
  const first = sender.pump();
  sender.pump();  // a second call while one is on its way sends nothing extra
  queue.push({ id: "scan-late-0000", code: "D" });  // typed while the first is in flight
  await first;
  assert.deepEqual(sent, ["A", "B", "C", "D"]);
  assert.equal(most, 1);
  assert.equal(queue.length, 0);
});

test("a scan refused with 400 leaves the queue and the next one goes through", async () => {
  const queue = queueOf("BAD", "GOOD");
  const refused = [];
  const answered = [];
  const sender = new Sender({
    queue,
    timers: new FakeTimers(),
    send: async (entry) => (entry.code === "BAD" ? { status: 400, errorCode: "bad_scan_request" } : { status: 200, errorCode: null }),
    handlers: { refused: (e) => refused.push(e.code), answered: (e) => answered.push(e.code) },
  });
  await sender.pump();
  assert.deepEqual(refused, ["BAD"]);
  assert.deepEqual(answered, ["GOOD"]);
  assert.equal(queue.length, 0);
});

test("a CSRF failure keeps the scan and everything behind it, and says reload", async () => {
  const queue = queueOf("A", "B");
  const waits = [];
  const timers = new FakeTimers();
  const sender = new Sender({
    queue, timers,
    send: async () => ({ status: 400, errorCode: "csrf_failed" }),
    handlers: { waiting: (e, outcome) => waits.push([e.code, outcome, sender.waiting]) },
  });
  await sender.pump();
  assert.deepEqual(waits, [["A", "csrf", true]]);
  assert.equal(queue.length, 2);
  assert.equal(sender.waiting, true);
  assert.equal(sender.problem, "csrf");
});

test("5xx and no network keep the scan, retry with growing delays, then send in order", async () => {
  const queue = queueOf("A", "B");
  const timers = new FakeTimers();
  const answers = [{ status: 0 }, { status: 503 }, { status: 500, errorCode: "internal_error" }];
  const sent = [];
  const sender = new Sender({
    queue, timers,
    send: async (entry) => { sent.push(entry.code); return answers.shift() || { status: 200 }; },
  });
  await sender.pump();
  assert.equal(timers.pending[0].ms, 1000);
  await timers.fire();
  assert.equal(timers.pending[0].ms, 2000);
  await timers.fire();
  assert.equal(timers.pending[0].ms, 4000);
  assert.equal(queue.length, 2, "nothing lost while the portal is down");
  await timers.fire();
  assert.deepEqual(sent, ["A", "A", "A", "A", "B"]);
  assert.equal(queue.length, 0);
});

test("wake (the network is back) sends at once and starts the backoff again", async () => {
  const queue = queueOf("A");
  const timers = new FakeTimers();
  let online = false;
  const sender = new Sender({ queue, timers, send: async () => (online ? { status: 200 } : { status: 0 }) });
  await sender.pump();
  await timers.fire();
  assert.equal(timers.pending[0].ms, 2000);
  online = true;
  await sender.wake();
  assert.equal(queue.length, 0);
  assert.equal(sender.waiting, false);
  assert.equal(sender.attempt, 0);
});
