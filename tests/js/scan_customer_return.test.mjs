// The return task's steps: the scan field checks a serial, then (after the
// outcome is chosen) completes the outcome scan with a bin or a replacement;
// the latest check wins; a refused outcome gives the choice back unless
// another serial was checked meanwhile.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ReturnFlow, checkUrl } from "../../static/js/scan/customer-return.js";
import { bodyFor } from "../../static/js/scan/transport.js";

let n = 0;
const flow = () => new ReturnFlow({ makeId: () => `scan-${++n}-0000` });

test("a code is a check until a serial was found and an outcome chosen", () => {
  const f = flow();
  assert.equal(f.step, "serial");
  const first = f.route("SN-1");
  assert.equal(first.action, "check");
  assert.equal(f.choose("restock"), false);  // nothing found yet
  assert.ok(f.found(first.seq, "SN-1", { orderRef: "SO-1" }));
  assert.equal(f.step, "outcome");
  assert.equal(f.route("SN-2").action, "check");  // a new customer: a new check
  assert.equal(f.serial, null);
});

test("only the latest check counts", () => {
  const f = flow();
  const a = f.route("SN-A").seq;
  const b = f.route("SN-B").seq;
  assert.equal(f.found(a, "SN-A"), false);
  assert.equal(f.serial, null);
  assert.ok(f.found(b, "SN-B"));
  assert.equal(f.serial, "SN-B");
});

test("back in stock: the condition, then the bin label completes the scan", () => {
  const f = flow();
  f.found(f.route("SN-1").seq, "SN-1", { orderRef: "SO-1" });
  assert.ok(f.choose("restock"));
  f.setCondition("damaged");
  f.setCondition("shiny");  // not a condition: ignored
  assert.equal(f.step, "bin");
  f.note = "box <torn>";
  const routed = f.route("BIN:WH1/A-01");
  assert.equal(routed.action, "send");
  assert.deepEqual(routed.entry, {
    id: routed.entry.id, kind: "scan", code: "SN-1", outcome: "restock", label: "SN-1: back in stock",
    order_ref: "SO-1", note: "box <torn>", condition: "damaged", bin: "BIN:WH1/A-01",
  });
  assert.equal(f.step, "serial");  // the field is free for the next customer at once
  const body = bodyFor(routed.entry, "session-1234");
  assert.equal(body.get("code"), "SN-1");
  assert.equal(body.get("outcome"), "restock");
  assert.equal(body.get("condition"), "damaged");
  assert.equal(body.get("bin"), "BIN:WH1/A-01");
  assert.equal(body.get("order_ref"), "SO-1");
  assert.equal(body.get("note"), "box <torn>");
  assert.equal(body.get("client_scan_id"), routed.entry.id);
});

test("exchange: the replacement serial completes the scan; defective needs no scan", () => {
  const f = flow();
  f.found(f.route("SN-1").seq, "SN-1");
  f.choose("exchange");
  f.reason = "dead_on_arrival";
  assert.equal(f.step, "replacement");
  const { entry } = f.route("SN-9");
  assert.equal(entry.outcome, "exchange");
  assert.equal(entry.replacement_serial, "SN-9");
  assert.equal(entry.reason, "dead_on_arrival");
  assert.equal(bodyFor(entry, "s-12345678").get("replacement_serial"), "SN-9");
  assert.equal("bin" in entry, false);

  f.found(f.route("SN-2").seq, "SN-2");
  f.choose("defective");
  f.reason = "functional";
  assert.equal(f.step, "confirm");
  assert.equal(f.route("SN-3").action, "check");  // a code in the confirm step is the next customer
  f.found(f.route("SN-2").seq, "SN-2");
  f.choose("defective");
  f.reason = "cosmetic";
  const defective = f.entry(null);
  assert.equal(defective.outcome, "defective");
  assert.equal(defective.reason, "cosmetic");
  assert.equal(bodyFor(defective, "s-12345678").get("bin"), null);
});

test("a refused outcome gives the choice back; an accepted one or a newer check does not", () => {
  const f = flow();
  f.found(f.route("SN-1").seq, "SN-1", { orderRef: "SO-1" });
  f.choose("restock");
  f.setCondition("sample");
  const first = f.route("BIN:WH1/Q").entry;
  assert.equal(f.settle("someone-else", "refused"), null);
  assert.equal(f.settle(first.id, "refused"), "restored");
  assert.equal(f.step, "bin");
  assert.deepEqual([f.serial, f.orderRef, f.condition], ["SN-1", "SO-1", "sample"]);

  const second = f.route("BIN:WH1/A-01").entry;
  assert.equal(f.settle(second.id, "accepted"), "done");
  assert.equal(f.step, "serial");

  f.found(f.route("SN-5").seq, "SN-5");
  f.choose("restock");
  const third = f.route("BIN:WH1/Q").entry;
  f.route("SN-6");  // the next customer's serial, checked while the outcome was on its way
  assert.equal(f.settle(third.id, "refused"), "done");
  assert.equal(f.serial, null);
});

test("an outcome saved on the device leaves the panel", () => {
  const f = flow();
  f.found(f.route("SN-1").seq, "SN-1", { checked: false });
  assert.equal(f.checked, false);
  f.choose("defective");
  const entry = f.entry(null);
  assert.equal(f.parked(entry.id), true);
  assert.equal(f.settle(entry.id, "refused"), null);  // its answer, later, goes to the log only
});

test("the check's URL carries the code and the order reference, encoded", () => {
  assert.equal(checkUrl("/scan/return/check", "SN 1&x", ""), "/scan/return/check?code=SN+1%26x");
  assert.equal(checkUrl("/scan/return/check", "SN-1", "SO-1"), "/scan/return/check?code=SN-1&order_ref=SO-1");
});

test("a bin label scanned before the outcome is chosen keeps the serial being taken back", () => {
  const f = flow();
  const seq = f.route("SN-1").seq;
  const early = f.route("bin:WH1/A-01");  // the check is still on its way
  assert.equal(early.action, "hint");
  assert.match(early.message, /wait for the warranty check/);
  assert.ok(f.found(seq, "SN-1"));
  const hint = f.route("BIN:WH1/A-01");
  assert.equal(hint.action, "hint");
  assert.match(hint.message, /choose Back in stock first/);
  assert.equal(f.serial, "SN-1");
  f.choose("restock");
  assert.equal(f.route("BIN:WH1/A-01").action, "send");
  assert.equal(f.route("BIN:WH1/A-01").action, "check");  // nothing being taken back: the portal says what it is
});

test("the bin label prefix is the portal's setting", () => {
  const f = new ReturnFlow({ makeId: () => "scan-x-0000", binPrefix: "LOC#" });
  f.found(f.route("SN-1").seq, "SN-1");
  assert.equal(f.route("BIN:WH1/A-01").action, "check");
  f.found(f.route("SN-1").seq, "SN-1");
  assert.equal(f.route("loc#WH1/A-01").action, "hint");
});
