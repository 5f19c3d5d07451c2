// Vitest global setup for the browser tests: serve the built app with `vite preview` on an
// uncommon port, and stop it (by its process id) afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PORT = 5731;
export const BASE_URL = `http://127.0.0.1:${PORT}/`;

let server: ChildProcess | undefined;

export async function waitUntilUp(url: string, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`preview server did not answer at ${url} within ${ms} ms`);
}

export async function setup() {
  if (!existsSync('dist/index.html')) throw new Error('no dist/: run `npm run build` before the e2e tests');
  server = spawn(
    'node',
    ['node_modules/vite/bin/vite.js', 'preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'],
    { stdio: 'inherit' },
  );
  await waitUntilUp(BASE_URL, 30_000);
}

export async function teardown() {
  server?.kill('SIGTERM');
}
