// The scan station's customer return task. A returned serial is scanned; the
// portal answers the warranty check (a read: it needs the network, and the
// panel says so when there is none); the operator chooses the outcome, and the
// outcome is one scan like any other: queued with its own id, sent exactly once,
// replayed from the queue when the network is back.
//
// What the scan field means depends on the step:
//
//   serial       a returned serial (checked at once; the latest check wins)
//   outcome      (a serial was checked) a new code starts a new check
//   bin          back in stock: the bin label it goes into -> the outcome scan
//   replacement  exchange: the replacement serial from stock -> the outcome scan
//   confirm      defective: the Record button sends it; a new code starts a new check
//
// Sending an outcome frees the field for the next customer at once; if the
// portal refuses it and no other serial was checked meanwhile, the choice comes
// back so the operator can put it right (scan the bin again, say).
import { newId } from "./queue.js";

export const OUTCOMES = ["restock", "defective", "exchange"];
export const CONDITIONS = ["regular", "sample", "damaged", "refurbished"];
const LABELS = { restock: "back in stock", defective: "defective", exchange: "exchange" };

export const PROMPTS = {
  serial: "Scan the returned serial.",
  outcome: "Choose the outcome below.",
  bin: "Choose the condition, then scan the label of the bin it goes into.",
  replacement: "Check the reason, then scan the replacement serial from stock.",
  confirm: "Check the reason, then press Record.",
};
export const PLACEHOLDERS = {
  serial: "Scan the serial…",
  outcome: "Scan the serial…",
  bin: "Scan the bin label…",
  replacement: "Scan the replacement…",
  confirm: "Scan the serial…",
};

export class ReturnFlow {
  constructor({ makeId = newId, binPrefix = "BIN:" } = {}) {
    this.makeId = makeId;
    this.binPrefix = binPrefix.toUpperCase();
    this.seq = 0;  // the latest warranty check
    this.checking = false;  // the latest check is on its way
    this.sent = null;  // {id, seq, state}: the outcome on its way, and the choice it was made from
    this.clear();
  }

  clear() {
    this.serial = null;
    this.orderRef = "";
    this.checked = false;  // false: no network when it was scanned
    this.outcome = null;
    this.condition = "regular";
    this.reason = "";
    this.note = "";
  }

  get step() {
    if (!this.serial) { return "serial"; }
    if (!this.outcome) { return "outcome"; }
    if (this.outcome === "restock") { return "bin"; }
    if (this.outcome === "exchange") { return "replacement"; }
    return "confirm";
  }

  /** A code from the scan field: {action: "check", seq}, {action: "send", entry}, or
   *  {action: "hint", message} for a bin label scanned before the outcome was chosen
   *  (it must not replace the serial being taken back). */
  route(code) {
    const step = this.step;
    if (step === "bin" || step === "replacement") { return { action: "send", entry: this.entry(code) }; }
    if ((this.serial || this.checking) && this.isBinLabel(code)) {
      return { action: "hint", message: `That is a bin label: ${this.checking ? "wait for the warranty check, then " : ""}choose Back in stock first, then scan the bin.` };
    }
    return { action: "check", seq: this.startCheck() };
  }

  isBinLabel(code) { return String(code || "").trim().toUpperCase().startsWith(this.binPrefix); }

  startCheck() {
    this.seq += 1;
    this.checking = true;
    this.clear();
    return this.seq;
  }

  isLatest(seq) { return seq === this.seq; }

  /** The check ``seq`` has its answer (whatever it was). */
  answered(seq) { if (this.isLatest(seq)) { this.checking = false; } }

  /** The check ``seq`` found a serial to take back (``checked``: by the portal, not offline). */
  found(seq, serial, { orderRef = "", checked = true } = {}) {
    if (!this.isLatest(seq) || !serial) { return false; }
    this.checking = false;
    this.serial = serial;
    this.orderRef = orderRef || "";
    this.checked = checked;
    return true;
  }

  choose(outcome) {
    if (!this.serial || !OUTCOMES.includes(outcome)) { return false; }
    this.outcome = outcome;
    return true;
  }

  setCondition(condition) {
    if (CONDITIONS.includes(condition)) { this.condition = condition; }
  }

  /** The outcome scan (``code``: the bin label or the replacement scanned, none for defective).
   *  The field is free for the next serial afterwards. */
  entry(code) {
    const outcome = this.outcome;
    const entry = { id: this.makeId(), kind: "scan", code: this.serial, outcome, label: `${this.serial}: ${LABELS[outcome]}` };
    if (this.orderRef) { entry.order_ref = this.orderRef; }
    if (this.note) { entry.note = this.note; }
    if (outcome === "restock") {
      entry.condition = this.condition;
      entry.bin = code;
    } else {
      entry.reason = this.reason;
    }
    if (outcome === "exchange") { entry.replacement_serial = code; }
    this.sent = { id: entry.id, seq: this.seq, state: this.snapshot() };
    this.clear();
    return entry;
  }

  snapshot() {
    const { serial, orderRef, checked, outcome, condition, reason, note } = this;
    return { serial, orderRef, checked, outcome, condition, reason, note };
  }

  /** The portal answered the outcome scan ``id``: "restored" (refused, and the
   *  choice is back), "done", or null when it is not the one on its way. */
  settle(id, result) {
    if (!this.sent || this.sent.id !== id) { return null; }
    const sent = this.sent;
    this.sent = null;
    if (result === "refused" && sent.seq === this.seq && !this.serial) {
      Object.assign(this, sent.state);
      return "restored";
    }
    return "done";
  }

  /** Saved on this device: the outcome will be sent later; nothing comes back to the panel. */
  parked(id) {
    if (this.sent && this.sent.id === id) { this.sent = null; return true; }
    return false;
  }
}

/** The warranty check's URL for a code and an order reference. */
export function checkUrl(base, code, orderRef) {
  const query = new URLSearchParams({ code });
  if (orderRef) { query.set("order_ref", orderRef); }
  return `${base}?${query.toString()}`;
}

/**
 * Wires the return panel to the page. ``submitEntry(entry)`` queues a scan,
 * ``feedback`` is the banner, ``focusField`` puts the focus back in the scan
 * field. Returns {take(code), answered(entry, answer), parked(entry)}.
 */
export function startReturnDesk({ doc = document, station, field, feedback, submitEntry, focusField,
  fetchImpl = globalThis.fetch, nav = globalThis.navigator }) {
  const $ = (id) => doc.getElementById(id);
  const panel = $("return-panel");
  const card = $("return-check");
  const status = $("return-status");
  const outcomeBox = $("return-outcome");
  const conditions = $("return-conditions");
  const reasonWrap = $("return-reason-wrap");
  const reason = $("return-reason");
  const note = $("return-note");
  const record = $("return-record");
  const orderField = $("return-order-ref");
  const stepLine = $("scan-step");
  const flow = new ReturnFlow({ binPrefix: station.dataset.binPrefix || "BIN:" });

  function say(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function render() {
    const step = flow.step;
    stepLine.textContent = PROMPTS[step];
    field.setAttribute("placeholder", PLACEHOLDERS[step]);
    station.setAttribute("data-return-step", step);
    outcomeBox.hidden = !flow.serial;
    for (const button of outcomeBox.querySelectorAll("[data-outcome]")) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-outcome") === flow.outcome));
    }
    conditions.hidden = flow.outcome !== "restock";
    for (const button of conditions.querySelectorAll("[data-condition]")) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-condition") === flow.condition));
    }
    reasonWrap.hidden = !(flow.outcome === "defective" || flow.outcome === "exchange");
    record.hidden = step !== "confirm";
    if (flow.serial) {
      if (flow.reason) { reason.value = flow.reason; }
      note.value = flow.note;
    }
  }

  function showCard(node) {
    card.replaceChildren(...(node ? [node] : []));
    panel.hidden = false;
  }

  function offlineCard(code) {
    const node = $("return-offline-template").content.firstElementChild.cloneNode(true);
    node.querySelector('[data-field="serial"]').textContent = code;
    return node;
  }

  function fragment(html) {
    const holder = doc.createElement("div");
    holder.innerHTML = html.trim();  // our own escaped fragment
    return holder.firstElementChild;
  }

  async function check(code, seq) {
    const orderRef = orderField.value.trim();
    say("Checking the warranty…");
    showCard(null);
    render();
    let reply = null;
    if (!nav || nav.onLine !== false) {
      try {
        reply = await fetchImpl(checkUrl(station.dataset.checkUrl, code, orderRef),
          { credentials: "same-origin", headers: { "HX-Request": "true", "Accept": "text/html" } });
      } catch (error) { reply = null; }
    }
    if (!flow.isLatest(seq)) { return; }  // another serial was scanned meanwhile
    flow.answered(seq);
    say("");
    if (!reply) {
      flow.found(seq, code.trim(), { orderRef, checked: false });
      showCard(offlineCard(code.trim()));
      feedback.signal("queued", "No network: the warranty cannot be checked now. Choose the outcome: it is saved on this device and checked when it is sent.",
        { short: "No network: warranty not checked." });
    } else if (reply.status === 401 || (reply.headers && reply.headers.get("HX-Redirect"))) {
      feedback.signal("refused", "Your login has expired: log in again in another tab, then scan the serial again.");
    } else if (!reply.ok) {
      feedback.signal("refused", `The warranty check failed (${reply.status}): scan the serial again.`);
    } else {
      const root = fragment(await reply.text());
      if (!flow.isLatest(seq) || !root) { return; }
      showCard(root);
      const result = root.getAttribute("data-result");
      const message = root.getAttribute("data-message") || "";
      if (result === "accepted") {
        flow.found(seq, root.getAttribute("data-serial"), { orderRef: root.getAttribute("data-order-ref") });
        feedback.signal(root.getAttribute("data-in-warranty") === "true" ? "accepted" : "warning", message);
      } else if (result === "order") {
        orderField.value = root.getAttribute("data-order-ref");
        feedback.signal("info", message);
      } else {
        feedback.signal("refused", message);
      }
    }
    if (flow.serial && !flow.reason) { flow.reason = reason.value; }
    render();
    focusField();
  }

  function send(entry) {
    say(`Sending: ${entry.label}…`);
    render();
    submitEntry(entry);
  }

  outcomeBox.addEventListener("click", (event) => {
    const choice = event.target.closest("[data-outcome]");
    const condition = event.target.closest("[data-condition]");
    if (choice && flow.choose(choice.getAttribute("data-outcome"))) {
      flow.reason = flow.reason || reason.value;
      say("");
    } else if (condition) {
      flow.setCondition(condition.getAttribute("data-condition"));
    } else { return; }
    render();
    focusField();
  });
  reason.addEventListener("change", () => { flow.reason = reason.value; field.focus(); });
  note.addEventListener("input", () => { flow.note = note.value; });
  note.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); field.focus(); }
  });
  orderField.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); field.focus(); }
  });
  record.addEventListener("click", () => {
    if (flow.step === "confirm") { send(flow.entry(null)); }
    focusField();
  });
  $("return-cancel").addEventListener("click", () => {
    flow.answered(flow.startCheck());
    orderField.value = "";
    note.value = "";
    showCard(null);
    panel.hidden = true;
    say("");
    render();
    feedback.show("idle", PROMPTS.serial);
    focusField();
  });
  render();

  return {
    /** A code from the scan field: a check, or the outcome scan it completes. */
    take(code) {
      const routed = flow.route(code);
      if (routed.action === "send") {
        send(routed.entry);
      } else if (routed.action === "hint") {
        feedback.signal("info", routed.message);
      } else {
        check(code, routed.seq);
      }
      return true;
    },
    answered(entry, answer) {
      const settled = flow.settle(entry.id, answer ? answer.result : "refused");
      if (settled === null) { return; }
      const message = (answer && answer.message) || "";
      if (settled === "restored") {
        say(`Not recorded: ${message}`);
      } else {
        say(answer && answer.result !== "refused" ? `Done: ${message}` : `Not recorded: ${message}`);
        note.value = "";
      }
      render();
    },
    parked(entry) {
      if (flow.parked(entry.id)) { say(`Saved on this device, will send: ${entry.label}.`); }
    },
  };
}
