// The scan queue: every scan goes here first, kept in localStorage so it
// survives a reload, a crash or an hour without network. Scans leave it in the
// order they were made, each once: an id already queued is not queued again.

/** A scan id the server accepts (8-64 of [A-Za-z0-9._:-]): a UUID. */
export function newId(cryptoObject = globalThis.crypto) {
  if (cryptoObject && typeof cryptoObject.randomUUID === "function") {
    return cryptoObject.randomUUID();
  }
  const bytes = new Uint8Array(16);
  if (cryptoObject && typeof cryptoObject.getRandomValues === "function") {
    cryptoObject.getRandomValues(bytes);
  } else {
    for (let i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); }
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // variant
  const hex = Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** localStorage, or null where it is missing or refused (private mode, quota). */
export function browserStorage() {
  try {
    const storage = globalThis.localStorage;
    const probe = "portal.probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch (error) {
    return null;
  }
}

export class ScanQueue {
  /** ``storage`` is localStorage (or anything with getItem/setItem); without
   *  one the queue lives in memory for the life of the page. */
  constructor(storage, key) {
    this.storage = storage;
    this.key = key;
    this.memory = [];
  }

  entries() {
    if (!this.storage) { return this.memory.slice(); }
    let raw = null;
    try { raw = this.storage.getItem(this.key); } catch (error) { return this.memory.slice(); }
    if (raw === null) { return this.memory.slice(); }
    try {
      const parsed = JSON.parse(raw);
      return Array.isArray(parsed) ? parsed.filter((e) => e && typeof e.id === "string") : [];
    } catch (error) {
      return [];
    }
  }

  save(entries) {
    this.memory = entries.slice();
    if (!this.storage) { return; }
    try { this.storage.setItem(this.key, JSON.stringify(entries)); } catch (error) { /* kept in memory */ }
  }

  get length() { return this.entries().length; }

  first() { return this.entries()[0] || null; }

  has(id) { return this.entries().some((e) => e.id === id); }

  /** Add a scan at the end; false if its id is already queued. */
  push(entry) {
    const entries = this.entries();
    if (entries.some((e) => e.id === entry.id)) { return false; }
    entries.push(entry);
    this.save(entries);
    return true;
  }

  /** Take a scan out (answered or refused). */
  drop(id) {
    this.save(this.entries().filter((e) => e.id !== id));
  }
}

/** The session key of this page's scan session (sticky bin, order, count),
 *  made once per user, task and device. */
export function sessionKey(storage, key, makeId = newId) {
  let value = null;
  try { value = storage ? storage.getItem(key) : null; } catch (error) { value = null; }
  if (!value) {
    value = makeId();
    try { if (storage) { storage.setItem(key, value); } } catch (error) { /* one per page then */ }
  }
  return value;
}
