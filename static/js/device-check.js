// Device check: show exactly what a handheld scanner sends for each scan —
// the characters, the time between keys and the suffix — and what the portal
// reads from it. Nothing is recorded.
(function () {
  "use strict";
  var root = document.getElementById("device-check");
  if (!root) { return; }
  var field = document.getElementById("check-code");
  var tbody = document.getElementById("check-log");
  var verdict = document.getElementById("check-verdict");
  var keys = [];
  var idleTimer = null;
  var NAMES = { "\u001d": "<GS>", "\r": "<CR>", "\n": "<LF>", "\t": "<TAB>" };

  function visible(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      var code = c.charCodeAt(0);
      out += NAMES[c] || (code < 32 ? "<0x" + ("0" + code.toString(16).toUpperCase()).slice(-2) + ">" : c);
    }
    return out;
  }
  var LABELS = ["Characters", "Count", "Keys apart (min / avg / max ms)", "Total ms", "Suffix", "The portal reads"];
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    td.setAttribute("data-label", LABELS[row.children.length] || "");
    row.appendChild(td);
    return td;
  }

  function finish(suffix) {
    window.clearTimeout(idleTimer);
    if (!keys.length) { return; }
    var text = keys.map(function (k) { return k.ch; }).join("");
    var gaps = [];
    for (var i = 1; i < keys.length; i++) { gaps.push(keys[i].t - keys[i - 1].t); }
    var total = keys[keys.length - 1].t - keys[0].t;
    keys = [];
    field.value = "";
    var min = gaps.length ? Math.min.apply(null, gaps) : 0;
    var max = gaps.length ? Math.max.apply(null, gaps) : 0;
    var avg = gaps.length ? gaps.reduce(function (a, b) { return a + b; }, 0) / gaps.length : 0;
    var row = document.createElement("tr");
    cell(row, visible(text)).className = "serial";
    cell(row, String(text.length));
    cell(row, min.toFixed(0) + " / " + avg.toFixed(1) + " / " + max.toFixed(0));
    cell(row, total.toFixed(0));
    cell(row, suffix);
    var reads = cell(row, "…");
    tbody.insertBefore(row, tbody.firstChild);
    var problems = [];
    if (suffix !== "Enter") { problems.push("set the scanner's suffix to Enter"); }
    if (max > 80) { problems.push("keys arrive slowly (up to " + max.toFixed(0) + " ms apart): raise the keystroke speed"); }
    verdict.className = "message " + (problems.length ? "message-warning" : "message-success");
    verdict.textContent = problems.length ? "Almost: " + problems.join("; ") + "." : "This scanner is set up right.";
    fetch(root.dataset.readUrl + "?code=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) { reads.textContent = answer.message; }, function () { reads.textContent = "(offline)"; });
  }

  field.addEventListener("keydown", function (event) {
    var now = performance.now();
    if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      finish(event.key);
      return;
    }
    if (event.ctrlKey && (event.key === "]" || event.code === "BracketRight")) {
      event.preventDefault();
      keys.push({ ch: "\u001d", t: now });
    } else if (event.key.length === 1) {
      keys.push({ ch: event.key, t: now });
    } else {
      return;  // Shift and friends
    }
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(function () { finish("none (no Enter within 0.5 s)"); }, 500);
  });
  document.addEventListener("click", function () { window.setTimeout(function () { field.focus(); }, 0); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { field.focus(); } });
  field.focus();
})();
