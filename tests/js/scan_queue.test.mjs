// The scan queue: order, persistence, exactly-once ids. Run: node --test tests/js/
import assert from "node:assert/strict";
import { test } from "node:test";

import { ScanQueue, newId, sessionKey } from "../../static/js/scan/queue.js";

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

test("scans leave the queue in the order they were made", () => {
  const queue = new ScanQueue(new MemoryStorage(), "q");
  for (const code of ["A1", "A2", "A3"]) { queue.push({ id: `id-${code}-0000`, code }); }
  assert.deepEqual(queue.entries().map((e) => e.code), ["A1", "A2", "A3"]);
  queue.drop("id-A1-0000");
  assert.equal(queue.first().code, "A2");
  assert.equal(queue.length, 2);
});

test("the same scan id is queued once", () => {
  const queue = new ScanQueue(new MemoryStorage(), "q");
  assert.equal(queue.push({ id: "same-id-123", code: "X" }), true);
  assert.equal(queue.push({ id: "same-id-123", code: "X" }), false);
  assert.equal(queue.length, 1);
});

test("the queue survives a reload (a new queue on the same storage)", () => {
  const storage = new MemoryStorage();
  new ScanQueue(storage, "portal.scanQueue.1.put-away").push({ id: "kept-000001", code: "SN1" });
  const again = new ScanQueue(storage, "portal.scanQueue.1.put-away");
  assert.deepEqual(again.entries(), [{ id: "kept-000001", code: "SN1" }]);
  assert.equal(new ScanQueue(storage, "portal.scanQueue.1.ship").length, 0, "one queue per user and task");
});

test("damaged storage gives an empty queue, not an exception", () => {
  const storage = new MemoryStorage();
  storage.setItem("q", "{not json");
  assert.deepEqual(new ScanQueue(storage, "q").entries(), []);
  storage.setItem("q", JSON.stringify([{ id: "ok-0000001" }, null, { code: "no id" }]));
  assert.deepEqual(new ScanQueue(storage, "q").entries(), [{ id: "ok-0000001" }]);
});

test("without storage (private mode, quota) the queue lives in memory", () => {
  const queue = new ScanQueue(null, "q");
  queue.push({ id: "mem-000001", code: "A" });
  assert.equal(queue.length, 1);
  const full = { getItem: () => null, setItem: () => { throw new Error("QuotaExceededError"); } };
  const quota = new ScanQueue(full, "q");
  quota.push({ id: "mem-000002", code: "B" });
  assert.equal(quota.first().code, "B");
});

test("ids are UUIDs the server accepts, also without crypto.randomUUID", () => {
  const accepted = /^[A-Za-z0-9._:-]{8,64}$/;
  const ids = new Set();
  for (let i = 0; i < 200; i++) {
    const id = newId({ getRandomValues: (bytes) => { for (let j = 0; j < bytes.length; j++) { bytes[j] = Math.floor(Math.random() * 256); } return bytes; } });
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 200);
  assert.match(newId(), accepted);
  assert.match(newId(null), accepted);
});

test("the session key is made once and then kept", () => {
  const storage = new MemoryStorage();
  const first = sessionKey(storage, "s");
  assert.equal(sessionKey(storage, "s"), first);
});
