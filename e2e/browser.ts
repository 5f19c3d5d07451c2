// Debian's Chromium driven by playwright-core (Playwright cannot download a browser here).
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launch(webgpu: boolean): Promise<Browser> {
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  // WebGPU in headless Chromium runs on SwiftShader's software Vulkan adapter.
  args.push(webgpu ? '--enable-unsafe-webgpu' : '--disable-gpu');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}
