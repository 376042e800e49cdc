// The transfer page's scan field. A scanner types fast and presses Enter; a
// scan typed while the previous one is still on its way must neither be lost
// nor glued to it. So on Enter the field's value is taken and the field
// cleared at once, a pending row is added to the log, and the scans are sent
// strictly one after another (a promise chain), each with its own value.
(function () {
  "use strict";

  var form = document.getElementById("transfer-scan");
  if (!form) { return; }
  var serial = document.getElementById("transfer-serial");
  var bin = document.getElementById("transfer-bin");
  var log = document.getElementById("transfer-log");
  var binPrefix = (form.getAttribute("data-bin-prefix") || "BIN:").toUpperCase();
  var chain = Promise.resolve();

  function row(code, message, result) {
    var li = document.createElement("li");
    li.className = "scan-row scan-" + result;
    li.setAttribute("data-result", result);
    var codeSpan = document.createElement("span");
    codeSpan.className = "scan-code serial";
    codeSpan.textContent = code;
    var text = document.createElement("span");
    text.className = "scan-message";
    text.textContent = message;
    li.appendChild(codeSpan);
    li.appendChild(text);
    return li;
  }

  function showCounts(answer) {
    var counts = answer.querySelector("template.scan-counts");
    var here = document.getElementById("transfer-counts");
    if (!counts || !here) { return; }
    counts.content.querySelectorAll("[data-count]").forEach(function (dd) {
      var mine = here.querySelector('[data-count="' + dd.getAttribute("data-count") + '"]');
      if (mine) { mine.textContent = dd.textContent; }
    });
  }

  function send(code, binCode, pending) {
    var body = new FormData();
    body.append("serial", code);
    if (bin) { body.append("bin", binCode); }
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": window.SerialPortal.csrfToken() }
    }).then(function (response) {
      if (response.redirected || !response.ok) {
        throw new Error(response.status === 200 ? "Your login has expired: log in again." : "The portal answered " + response.status + ".");
      }
      return response.text();
    }).then(function (html) {
      var holder = document.createElement("ol");
      holder.innerHTML = html;
      var answer = holder.querySelector("li");
      if (!answer) { throw new Error("The portal's answer was empty."); }
      showCounts(answer);
      log.replaceChild(answer, pending);
    }).catch(function (error) {
      log.replaceChild(row(code, error.message || "Not sent: no connection to the portal.", "refused"), pending);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = serial.value.trim();
    serial.value = "";
    serial.focus();
    if (!code) { return; }
    if (bin && code.toUpperCase().indexOf(binPrefix) === 0) {
      bin.value = code.slice(binPrefix.length);  // a bin label scanned: the next units go there
      log.insertBefore(row(code, "Bin " + bin.value + ": scan the units that go into it.", "info"), log.firstChild);
      return;
    }
    var pending = row(code, "Sending…", "pending");
    log.insertBefore(pending, log.firstChild);
    var binCode = bin ? bin.value : "";
    chain = chain.then(function () { return send(code, binCode, pending); });
  });

  // A bin typed by hand: Enter there moves on to the serial field.
  if (bin) {
    bin.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); serial.focus(); }
    });
  }

  // Dispatch, close: buttons marked data-confirm ask first.
  document.querySelectorAll(".transfer-actions form").forEach(function (action) {
    action.addEventListener("submit", function (event) {
      var button = action.querySelector("[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
