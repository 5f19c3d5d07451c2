// Debian's Chromium driven by playwright-core (Playwright cannot download a browser here).
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function args(webgpu: boolean): string[] {
  const flags = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  // WebGPU in headless Chromium runs on SwiftShader's software Vulkan adapter.
  flags.push(webgpu ? '--enable-unsafe-webgpu' : '--disable-gpu');
  return flags;
}

export function launch(webgpu: boolean): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: args(webgpu) });
}

/** A browser with a profile on disk, as a person's is: Playwright's contexts are incognito, where
 *  Chromium never offers to install an app. */
export function launchWithProfile(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: args(false) });
}
