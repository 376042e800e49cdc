// Feedback: each result its own colour, tones and vibration; the banner one short line.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Feedback, RESULTS, TONES, VIBRATIONS, headline, shownAs } from "../../static/js/scan/feedback.js";

function fakeBanner() {
  const text = { textContent: "" };
  const details = { textContent: "", hidden: true };
  const attributes = {};
  return {
    className: "", text, details, attributes,
    querySelector: (sel) => (sel === ".banner-text" ? text : details),
    setAttribute: (k, v) => { attributes[k] = v; },
    toggleAttribute: (k, on) => { if (on) { attributes[k] = ""; } else { delete attributes[k]; } },
  };
}

test("every result has its own tones and vibration", () => {
  const tones = new Set(RESULTS.map((r) => JSON.stringify(TONES[r])));
  const buzz = new Set(RESULTS.map((r) => JSON.stringify(VIBRATIONS[r])));
  assert.equal(tones.size, RESULTS.length);
  assert.equal(buzz.size, RESULTS.length);
  assert.ok(RESULTS.includes("queued") && RESULTS.includes("info"));
});

test("a warning that recorded nothing is shown as info, not as done with a note", () => {
  assert.equal(shownAs({ result: "warning", feedback: "info" }), "info");
  assert.equal(shownAs({ result: "warning", feedback: "warning" }), "warning");
  assert.equal(shownAs({ result: "accepted" }), "accepted");
  assert.equal(shownAs({ result: "strange" }), "refused");
  assert.equal(shownAs(null), "refused");
});

test("the banner shows one short line; the full message is in the details", () => {
  const banner = fakeBanner();
  const feedback = new Feedback({ banner, win: {}, nav: {} });
  const long = "SN-9 shipped on order SO-1; warranty until 2027-12-03. An older SKU-1 is in stock: SN-1 in WH1/A-01 (first in, first out).";
  feedback.show("warning", long);
  assert.equal(banner.className, "banner banner-warning");
  assert.equal(banner.text.textContent, "SN-9 shipped on order SO-1; warranty until 2027-12-03.");
  assert.equal(banner.details.textContent, long);
  assert.equal(banner.details.hidden, true);
  feedback.toggleDetails();
  assert.equal(banner.details.hidden, false);
  feedback.show("accepted", "Done.", { short: "Done." });
  assert.equal(banner.details.textContent, "");
});

test("headline cuts a long first sentence", () => {
  assert.equal(headline("x".repeat(200)).length, 90);
  assert.equal(headline("  One.  Two. "), "One.");
});

test("signal vibrates with the result's pattern and survives devices without sound", () => {
  const buzzed = [];
  const feedback = new Feedback({ banner: fakeBanner(), win: {}, nav: { vibrate: (p) => buzzed.push(p) } });
  feedback.signal("queued", "Saved on this device, will send.");
  assert.deepEqual(buzzed, [VIBRATIONS.queued]);
});

test("no vibration before the operator's first key or tap (the browser would refuse it)", () => {
  const buzzed = [];
  const nav = { vibrate: (p) => buzzed.push(p), userActivation: { hasBeenActive: false } };
  const feedback = new Feedback({ banner: fakeBanner(), win: {}, nav });
  feedback.vibrate("refused");
  nav.userActivation.hasBeenActive = true;
  feedback.vibrate("refused");
  assert.deepEqual(buzzed, [VIBRATIONS.refused]);
});
