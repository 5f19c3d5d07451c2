// The response headers that make a page cross-origin isolated, which onnxruntime-web's WASM
// backend needs for threads (SharedArrayBuffer). The dev and preview servers send them; the
// service worker adds them on hosts that cannot (sw.ts).
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
