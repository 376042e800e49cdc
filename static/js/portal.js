// Serial Portal: behaviour shared by every page. No inline scripts: the
// Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // CSRF on every state-changing HTMX request.
  document.addEventListener("htmx:configRequest", function (event) {
    var verb = (event.detail.verb || "get").toLowerCase();
    if (verb !== "get") {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // Elements marked data-confirm ask first (hx-confirm without inline script).
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var question = elt && elt.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Network failure on an HTMX request: say so in the flash region.
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (flash) {
      flash.innerHTML = "";
      var p = document.createElement("p");
      p.className = "message message-error";
      p.setAttribute("role", "alert");
      p.textContent = "No connection to the portal. Check the network and try again.";
      flash.appendChild(p);
    }
  });

  window.SerialPortal = { csrfToken: csrfToken };
})();
