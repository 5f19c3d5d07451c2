import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { ISOLATION_HEADERS } from './src/isolationHeaders.ts';

// The built page runs only its own code (plus WebAssembly, and the runtime's workers from blob:
// URLs) and reads only its own files or a pack folder the user gives (over https). A <meta> so
// that it holds on any static host; the dev server's inline hot-reload scripts are left alone.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' https: blob: data:",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const csp: Plugin = {
  name: 'content-security-policy',
  apply: 'build',
  transformIndexHtml: (html) =>
    html.replace(
      '<meta charset="UTF-8" />',
      `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}" />`,
    ),
};

// The service worker (src/sw.ts): offline after one visit, and cross-origin isolation on hosts
// that cannot send the headers.
const offline = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'src',
  filename: 'sw.ts',
  registerType: 'autoUpdate',
  injectRegister: 'script', // an external registerSW.js: the CSP allows no inline script
  manifest: false, // public/manifest.webmanifest
  injectManifest: {
    // the app, the runtime, and the listed packs' descriptions (their files: fileStore.ts)
    globPatterns: [
      '*.{html,js,svg,webmanifest}',
      'assets/*.{js,mjs,css,wasm}',
      'models/index.json',
      'models/*/pack.json',
    ],
    maximumFileSizeToCacheInBytes: 64 * 2 ** 20, // the runtime's WebAssembly is about 25 MB
  },
});

export default defineConfig({
  plugins: [react(), csp, offline],
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
