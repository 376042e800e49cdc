// Injected into every page of the browser tests (Playwright's add_init_script
// runs it before the page's own scripts and is not subject to the page's CSP).
// A CSP violation also prints "Refused to ..." on the console, but not always
// (e.g. for a style attribute htmx sets from script): report every one.
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "CSP violation: " + event.effectiveDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber + " (" + (event.sample || "") + ")"
  );
}, true);
