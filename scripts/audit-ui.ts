// npm run audit:ui: Lighthouse (desktop preset) on every page of the built app, in Debian's
// Chromium, and axe-core on each; prints the four Lighthouse scores, console errors and axe's
// serious or critical violations per page, then Chromium's own installability check of the app
// (Lighthouse 12 has no PWA category), and exits non-zero if a score is under 95, axe finds a
// violation or the app is not installable. Build first (npm run build); serves dist/ on its own uncommon port.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { CHROMIUM, launch, launchWithProfile } from '../e2e/browser';

const PORT = 5743;
const URL_BASE = `http://127.0.0.1:${PORT}/`;
const PAGES = { Generate: '#/', 'Token map': '#/tokens', Compare: '#/compare', 'How it works': '#/how' };
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const BAR = 95;

async function serve(): Promise<ChildProcess> {
  const server = spawn(
    'node',
    ['node_modules/vite/bin/vite.js', 'preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(URL_BASE)).ok) return server;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  server.kill();
  throw new Error(`the preview server did not answer at ${URL_BASE}`);
}

/** Lighthouse's scores for a page; a run whose trace broke (it happens on a cold browser) is
 *  run again, once. */
async function lighthouseScores(url: string) {
  const first = await lighthouseRun(url);
  return first.failing[0]?.startsWith('run failed') ? lighthouseRun(url) : first;
}

async function lighthouseRun(url: string) {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const result = await lighthouse(url, { port: chrome.port, logLevel: 'error', output: 'json' }, desktopConfig);
    const lhr = result!.lhr;
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(100 * (lhr.categories[c]?.score ?? 0))]));
    const errors = (lhr.audits['errors-in-console']?.details as { items?: { description?: string }[] })?.items ?? [];
    // what kept each category under the bar: its failing audits (and a run that broke, if one did)
    const failing = CATEGORIES.flatMap((c) =>
      (lhr.categories[c]?.auditRefs ?? [])
        .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 0.9)
        .map((ref) => `${c}: ${ref.id} (${lhr.audits[ref.id].displayValue ?? lhr.audits[ref.id].score})`),
    );
    if (lhr.runtimeError) failing.unshift(`run failed: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    return { scores, consoleErrors: errors.map((e) => e.description ?? ''), failing };
  } finally {
    chrome.kill();
  }
}

async function axeViolations(url: string) {
  const browser = await launch(false);
  try {
    const page = await (await browser.newContext()).newPage(); // axe needs a context of its own
    await page.goto(url);
    await page.waitForSelector('[data-testid=backend]', { timeout: 120_000 });
    const { violations } = await new AxeBuilder({ page }).analyze();
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  } finally {
    await browser.close();
  }
}

/** What keeps Chromium from offering to install the app (none: installable). */
async function installabilityErrors(url: string): Promise<string[]> {
  const profile = mkdtempSync(join(tmpdir(), 'digit-audit-'));
  const context = await launchWithProfile(profile);
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('[data-testid=backend]', { timeout: 120_000 });
    const { installabilityErrors } = await (await context.newCDPSession(page)).send('Page.getInstallabilityErrors');
    return installabilityErrors.map((e) => e.errorId);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main() {
  const server = await serve();
  let failed = false;
  try {
    console.log(
      `Lighthouse ${desktopConfig.settings?.formFactor ?? 'desktop'} preset, bar ${BAR}; axe serious/critical`,
    );
    for (const [name, hash] of Object.entries(PAGES)) {
      const url = `${URL_BASE}?backend=wasm${hash}`;
      const { scores, consoleErrors, failing } = await lighthouseScores(url);
      const axe = await axeViolations(url);
      const low = Object.entries(scores).filter(([, s]) => s < BAR);
      failed ||= low.length > 0 || axe.length > 0 || consoleErrors.length > 0;
      console.log(
        `${name.padEnd(13)} ${CATEGORIES.map((c) => `${c} ${scores[c]}`).join(' · ')}` +
          ` · console errors ${consoleErrors.length} · axe ${axe.length ? axe.join(', ') : 'none'}`,
      );
      for (const e of consoleErrors) console.log(`    console: ${e}`);
      for (const f of failing) console.log(`    below par: ${f}`);
    }
    const install = await installabilityErrors(`${URL_BASE}?backend=wasm`);
    failed ||= install.length > 0;
    console.log(`installable: ${install.length ? `no (${install.join(', ')})` : 'yes (Chromium finds no error)'}`);
  } finally {
    server.kill();
  }
  if (failed) {
    console.log(
      `Some page is under ${BAR}, logs console errors or has axe violations, or the app is not installable.`,
    );
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
