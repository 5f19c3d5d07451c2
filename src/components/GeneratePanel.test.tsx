// @vitest-environment happy-dom
// The store in slices: a progress tick re-renders the progress, not the Generate form.
import { readFileSync } from 'node:fs';
import { MantineProvider } from '@mantine/core';
import { act, Profiler } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import type { LoadedPack, PackManifest } from '../../workers/protocol';
import { packDefaults } from '../settings';
import { useApp } from '../store';
import { GenerateForm, GeneratePanel } from './GeneratePanel';

vi.mock('../engineClient', () => ({ callWorker: vi.fn(), onWorkerCrash: vi.fn(), proxy: vi.fn() }));

const manifest = JSON.parse(readFileSync('public/models/fixture-tiny/pack.json', 'utf8')) as PackManifest;
const pack = {
  manifest,
  batchLimit: { max: null, why: '' },
  stage1Defaults: { temperature: 1, topK: 8, topP: 1, guidance: 1 },
  backend: 'wasm',
  examples: [],
  exemplars: null,
} as unknown as LoadedPack;

describe('the Generate page reads the store in slices', () => {
  it('a progress tick re-renders the live progress but not the settings form', async () => {
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
    useApp.setState({ pack, settings: packDefaults(pack, 'fixture-tiny'), busy: true });
    const renders = { form: 0, page: 0 };
    const root = createRoot(document.createElement('div'));
    await act(async () => {
      root.render(
        <MantineProvider>
          <Profiler id="page" onRender={() => renders.page++}>
            <GeneratePanel />
            <Profiler id="form" onRender={() => renders.form++}>
              <GenerateForm />
            </Profiler>
          </Profiler>
        </MantineProvider>,
      );
    });
    const tick = (done: number) => ({
      stage: 'stage1' as const,
      done,
      total: 16,
      tokens: [Array.from({ length: done }, (_, i) => i % 16)],
      tokensPerSecond: 100,
      etaSeconds: 0.1,
    });
    await act(async () => useApp.setState({ progress: tick(1) })); // a generation starts: Stop appears
    const formBefore = renders.form;
    const pageBefore = renders.page;
    for (let done = 2; done <= 10; done++) await act(async () => useApp.setState({ progress: tick(done) }));
    expect(renders.form).toBe(formBefore);
    expect(renders.page - pageBefore).toBe(9); // the progress part did re-render, once a tick
    await act(async () => root.unmount());
  });
});
