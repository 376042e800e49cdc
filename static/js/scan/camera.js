// Camera scanning. Where the browser has a native BarcodeDetector (Chrome on
// Android) it is used; elsewhere (iOS, Firefox, most desktops) the vendored
// ZXing WebAssembly polyfill (barcode-detector, MIT) is loaded from our own
// static files, with its .wasm file pointed at our copy: nothing comes from a
// CDN, and the CSP needs only 'wasm-unsafe-eval'.

let loading = null;

function loadScript(doc, src) {
  return new Promise((resolve, reject) => {
    const script = doc.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${src}`));
    doc.head.appendChild(script);
  });
}

/** The BarcodeDetector class to use: the native one, or the polyfill's once its
 *  WebAssembly module is ready. ``scriptUrl``/``wasmUrl`` are our static copies. */
export function barcodeDetectorClass({ win = globalThis.window, doc = globalThis.document, scriptUrl, wasmUrl }) {
  if (win.BarcodeDetector) { return Promise.resolve(win.BarcodeDetector); }
  if (!loading) {
    loading = (win.BarcodeDetectionAPI ? Promise.resolve() : loadScript(doc, scriptUrl))
      .then(() => {
        const api = win.BarcodeDetectionAPI;
        if (!api || !api.BarcodeDetector) { throw new Error("the barcode reader did not load"); }
        return Promise.resolve(api.prepareZXingModule({
          overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
          fireImmediately: true,
        })).then(() => api.BarcodeDetector);
      })
      .catch((error) => { loading = null; throw error; });
  }
  return loading;
}

/** Why the camera cannot scan here, or null. */
export function cameraUnavailableReason(win = globalThis.window, nav = globalThis.navigator) {
  if (!win.isSecureContext || !nav.mediaDevices || !nav.mediaDevices.getUserMedia) {
    return "The camera needs the portal to be opened over HTTPS. Use the handheld's scanner.";
  }
  if (typeof win.WebAssembly !== "object" && !win.BarcodeDetector) {
    return "This browser can read barcodes neither natively nor with WebAssembly. Use the handheld's scanner.";
  }
  return null;
}

/** Open the camera and read codes until one is found; ``onCode(value)`` gets it. */
export class CameraReader {
  constructor({ panel, video, scriptUrl, wasmUrl, onCode, onProblem, onClose }) {
    Object.assign(this, { panel, video, scriptUrl, wasmUrl, onCode, onProblem, onClose });
    this.stream = null;
  }

  async open() {
    const why = cameraUnavailableReason();
    if (why) { this.onProblem(why); return; }
    let detector;
    try {
      const Detector = await barcodeDetectorClass({ scriptUrl: this.scriptUrl, wasmUrl: this.wasmUrl });
      detector = new Detector({ formats: ["code_128", "qr_code", "data_matrix", "ean_13", "code_39"] });
    } catch (error) {
      this.onProblem("The camera's barcode reader could not start here. Use the handheld's scanner.");
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      this.onProblem("The camera could not be opened (not allowed, or none on this device). Use the handheld's scanner.");
      return;
    }
    this.video.srcObject = this.stream;
    this.panel.hidden = false;
    await this.video.play().catch(() => {});
    const look = () => {
      if (!this.stream) { return; }
      detector.detect(this.video).then((codes) => {
        if (codes.length && codes[0].rawValue) {
          const value = codes[0].rawValue;
          this.close();
          this.onCode(value);
        } else {
          setTimeout(look, 200);
        }
      }, () => setTimeout(look, 400));
    };
    look();
  }

  close() {
    if (this.stream) { this.stream.getTracks().forEach((t) => t.stop()); this.stream = null; }
    this.panel.hidden = true;
    if (this.onClose) { this.onClose(); }
  }
}
