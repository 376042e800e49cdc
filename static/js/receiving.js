// Receiving: drag and drop onto the drop zone, upload progress, the
// "processing" indicator, and a size check before anything is sent.
(function () {
  "use strict";

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) { return (bytes / 1024 / 1024).toFixed(1) + " MB"; }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function uploadForm(elt) {
    return elt && elt.closest ? elt.closest("[data-upload-form]") : null;
  }

  function part(form, name) {
    return form.querySelector("[data-" + name + "]");
  }

  function showProblem(form, text) {
    var box = part(form, "upload-problem");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }

  function fileChosen(form) {
    var input = part(form, "file-input");
    var label = part(form, "file-name");
    var file = input && input.files && input.files[0];
    showProblem(form, "");
    if (label) { label.textContent = file ? file.name + " · " + formatSize(file.size) : ""; }
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (file && max && file.size > max) {
      showProblem(form, "The file is " + formatSize(file.size) + "; this portal accepts at most " +
        form.getAttribute("data-max-mb") + " MB. Split the list, or send it as CSV (much smaller than Excel).");
      return false;
    }
    return true;
  }

  function setPhase(form, phase) {
    var status = part(form, "upload-status");
    var progress = part(form, "upload-progress");
    var label = part(form, "upload-phase");
    var processing = part(form, "processing");
    var button = form.querySelector("button[type=submit]");
    if (!status) { return; }
    status.hidden = phase === "idle";
    if (button) { button.disabled = phase !== "idle"; }
    if (phase === "uploading") {
      progress.hidden = false;
      progress.value = 0;
      label.textContent = "Uploading…";
      processing.hidden = true;
    } else if (phase === "processing") {
      progress.value = 100;
      label.textContent = "Uploaded.";
      processing.hidden = false;
    }
  }

  document.addEventListener("change", function (event) {
    var form = uploadForm(event.target);
    if (form && event.target.matches("[data-file-input]")) { fileChosen(form); }
  });

  // Drag and drop: the dropped file goes into the form's file input.
  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("dragging");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone && !zone.contains(event.relatedTarget)) { zone.classList.remove("dragging"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("dragging");
    var files = event.dataTransfer && event.dataTransfer.files;
    var input = zone.querySelector("[data-file-input]");
    if (!files || !files.length || !input) { return; }
    var transfer = new DataTransfer();
    transfer.items.add(files[0]);
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.detail.elt);
    if (!form || event.detail.elt !== form) { return; }
    if (fileChosen(form) === false) {
      event.preventDefault();
      return;
    }
    setPhase(form, "uploading");
  });

  // htmx reports upload progress from XMLHttpRequest.upload.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event.target);
    if (!form || !event.detail.lengthComputable) { return; }
    var progress = part(form, "upload-progress");
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    progress.value = percent;
    part(form, "upload-phase").textContent = "Uploading… " + percent + " %";
    if (event.detail.loaded >= event.detail.total) { setPhase(form, "processing"); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event.detail.elt);
    if (form && event.detail.elt === form) { setPhase(form, "idle"); }
  });

  // A refused HTMX request (413 too large, 5xx) answers into the flash region: keep it in view.
  document.addEventListener("htmx:responseError", function (event) {
    var form = uploadForm(event.detail.elt);
    var flash = document.getElementById("flash");
    if (form && flash) { flash.scrollIntoView({ block: "nearest" }); }
  });

  // The unexpected-serial field keeps the focus for the next scan.
  document.addEventListener("htmx:afterSwap", function (event) {
    var field = document.querySelector("[data-keep-focus]");
    if (field && event.detail.target && event.detail.target.id === "unexpected") { field.focus(); }
  });
})();
