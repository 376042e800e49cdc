// What the operator sees, hears and feels for each scan, from arm's length:
//
//   accepted  green, one high beep, one short buzz       done
//   warning   amber, two mid beeps, buzz-buzz-buzz       done, with a note
//   info      blue, one low soft tone, one long buzz     nothing recorded (already done, nothing to undo)
//   refused   red, a long low buzz tone, two long buzzes nothing recorded: something is wrong
//   queued    violet, a falling two-note chime, buzz-pause-buzz
//                                                        saved on this device, will send
//
// The banner has a fixed height and shows one short line; the full message
// is one tap away (details), so a long answer never pushes the field down.

export const RESULTS = ["accepted", "warning", "info", "refused", "queued"];

/** [frequency Hz, start s, length s, oscillator type] per tone. */
export const TONES = {
  accepted: [[1320, 0, 0.12, "sine"]],
  warning: [[660, 0, 0.12, "triangle"], [660, 0.18, 0.12, "triangle"]],
  info: [[440, 0, 0.2, "sine"]],
  refused: [[180, 0, 0.45, "square"]],
  queued: [[988, 0, 0.1, "sine"], [587, 0.14, 0.22, "sine"]],
};

export const VIBRATIONS = {
  accepted: [60],
  warning: [90, 60, 90, 60, 90],
  info: [200],
  refused: [350, 120, 350],
  queued: [40, 200, 40],
};

/** The result a scan answer is shown as: "nothing recorded" warnings are info. */
export function shownAs(answer) {
  if (!answer) { return "refused"; }
  if (answer.feedback && RESULTS.includes(answer.feedback)) { return answer.feedback; }
  return RESULTS.includes(answer.result) ? answer.result : "refused";
}

/** The one line the banner shows: the answer's headline, or its first sentence. */
export function headline(message, max = 90) {
  const text = String(message || "").replace(/\s+/g, " ").trim();
  const match = text.match(/^(.+?[.!?])(\s|$)/);
  let first = match ? match[1] : text;
  if (first.length > max) { first = `${first.slice(0, max - 1).trimEnd()}…`; }
  return first;
}

export class Feedback {
  /** ``banner`` holds .banner-text (the line) and .banner-details (the rest). */
  constructor({ banner, win = globalThis.window, nav = globalThis.navigator } = {}) {
    this.banner = banner;
    this.win = win;
    this.nav = nav;
    this.audio = null;
  }

  show(result, message, { short } = {}) {
    const banner = this.banner;
    if (!banner) { return; }
    const line = short || headline(message);
    const full = String(message || "").trim();
    banner.className = `banner banner-${result}`;
    banner.setAttribute("data-result", result);
    const text = banner.querySelector(".banner-text");
    const details = banner.querySelector(".banner-details");
    if (text) { text.textContent = line; } else { banner.textContent = line; }
    if (details) {
      details.textContent = full && full !== line ? full : "";
      details.hidden = true;
    }
    banner.setAttribute("aria-expanded", "false");
    banner.toggleAttribute("data-has-details", Boolean(details && details.textContent));
  }

  /** Show the details under the line, or hide them again (a tap on the banner). */
  toggleDetails() {
    const details = this.banner && this.banner.querySelector(".banner-details");
    if (!details || !details.textContent) { return; }
    details.hidden = !details.hidden;
    this.banner.setAttribute("aria-expanded", details.hidden ? "false" : "true");
  }

  sound(result) {
    const win = this.win;
    const Context = win && (win.AudioContext || win.webkitAudioContext);
    if (!Context) { return; }
    try {
      this.audio = this.audio || new Context();
      const audio = this.audio;
      if (audio.state === "suspended") { audio.resume(); }
      for (const [freq, start, length, type] of TONES[result] || TONES.refused) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        const t0 = audio.currentTime + start;
        osc.type = type;
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(0.4, t0 + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + length);
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(t0);
        osc.stop(t0 + length + 0.02);
      }
    } catch (error) { /* no sound on this device */ }
  }

  vibrate(result) {
    const nav = this.nav;
    // before the first key or tap the browser refuses (and logs an error): skip it
    if (nav && nav.userActivation && !nav.userActivation.hasBeenActive) { return; }
    if (nav && typeof nav.vibrate === "function") {
      try { nav.vibrate(VIBRATIONS[result] || VIBRATIONS.refused); } catch (error) { /* not allowed */ }
    }
  }

  /** Banner, sound and vibration at once. */
  signal(result, message, options) {
    this.show(result, message, options);
    this.sound(result);
    this.vibrate(result);
  }
}
