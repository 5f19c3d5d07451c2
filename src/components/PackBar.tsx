import { Button, Group, NativeSelect, Paper, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BatchPlan } from '../../workers/protocol';
import { folderFromPicker } from '../packFolder';
import { useApp } from '../store';
import { LoadingProgress } from './LoadingProgress';
import { PackCards } from './PackCards';

/** Which pack is loaded, on which backend and why; switch packs or backends. */
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** "ms per GPT row 1: 0.41, 8: 0.17; per decoded image 1: 11.9, 4: 11.4" */
function describeTimes(plan: BatchPlan): string {
  const list = (times: Record<number, number>) =>
    Object.entries(times)
      .map(([size, ms]) => `${size}: ${ms.toFixed(2)}`)
      .join(', ');
  return `ms per GPT row ${list(plan.gptMsPerRow)}; per decoded image ${list(plan.decoderMsPerImage)}`;
}

export function PackBar() {
  const { packs, pack, settings, busy, gpuMemory, batchPlan, loadPack, openFolder, firstImageAt } = useApp(
    useShallow((s) => ({
      firstImageAt: s.firstImageAt,
      packs: s.packs,
      pack: s.pack,
      settings: s.settings,
      busy: s.busy,
      gpuMemory: s.gpuMemory,
      batchPlan: s.batchPlan,
      loadPack: s.loadPack,
      openFolder: s.openFolder,
    })),
  );
  const [url, setUrl] = useState('');
  const custom = settings && !packs.some((p) => p.id === settings.pack) ? settings.pack : null;
  const size = pack ? Object.values(pack.manifest.graphs).reduce((sum, g) => sum + (g?.bytes ?? 0), 0) / 1e6 : 0;
  return (
    <Paper component="section" withBorder p="md" className="pack-bar" aria-label="model pack">
      <Group align="end" gap="md" wrap="wrap">
        <NativeSelect
          label="Pack"
          size="md"
          miw={180}
          value={settings?.pack ?? ''}
          disabled={busy}
          onChange={(e) => loadPack(e.currentTarget.value, settings?.backend ?? 'auto')}
        >
          {packs.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id}
            </option>
          ))}
          {custom && <option value={custom}>{custom}</option>}
        </NativeSelect>
        <NativeSelect
          label="Backend"
          size="md"
          value={settings?.backend ?? 'auto'}
          disabled={busy || !settings}
          onChange={(e) => settings && loadPack(settings.pack, e.currentTarget.value as 'auto' | 'webgpu' | 'wasm')}
          data={[
            { value: 'auto', label: 'auto' },
            { value: 'webgpu', label: 'WebGPU' },
            { value: 'wasm', label: 'WASM' },
          ]}
        />
        {pack && (
          <Stack gap={0} style={{ flex: '1 1 320px' }}>
            <Text fw={600} data-testid="pack-title">
              {pack.manifest.title}
            </Text>
            <Text size="sm" c="dimmed">
              Trained on {pack.manifest.provenance.data} · {size.toFixed(1)} MB
            </Text>
          </Stack>
        )}
      </Group>
      <LoadingProgress />
      {pack && (
        <Text size="sm" c="dimmed" mt="xs" className="backend" data-testid="backend" data-backend={pack.backend}>
          {pack.backend === 'webgpu' ? 'WebGPU' : `WASM, ${pack.threads} thread(s)`} — {pack.backendReason}
          {' · '}
          <span data-testid="pack-origin">{pack.cached.length ? 'from the browser cache' : 'downloaded'}</span>
          {pack.storeSkipped && ` (${pack.storeSkipped})`}
          {firstImageAt !== null && (
            <span data-testid="first-image"> · first image {firstImageAt.toFixed(1)} s after the page opened</span>
          )}
        </Text>
      )}
      <details className="more-packs">
        <summary>Load a pack from elsewhere</summary>
        <Group align="end" gap="md" wrap="wrap" mt="xs">
          <Group
            component="form"
            align="end"
            gap="xs"
            className="pack-url"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              const folder = url.trim();
              if (folder) void loadPack(folder.endsWith('/') ? folder : `${folder}/`, settings?.backend ?? 'auto');
            }}
          >
            <TextInput
              type="url"
              label="Pack URL (a folder with pack.json)"
              value={url}
              placeholder="https://…/my-pack/"
              onChange={(e) => setUrl(e.currentTarget.value)}
              miw={300}
              size="md"
            />
            <Button type="submit" h={42} disabled={busy || !url.trim()}>
              Load
            </Button>
          </Group>
          <label className="file-button" title="a pack folder on this computer, e.g. one the converter wrote">
            Open a pack folder (or drop one on the page)
            <input
              type="file"
              multiple
              data-testid="pack-folder"
              disabled={busy}
              {...{ webkitdirectory: '' }}
              onChange={(e) => {
                void openFolder(folderFromPicker([...(e.target.files ?? [])]));
                e.target.value = '';
              }}
            />
          </label>
        </Group>
      </details>
      <PackCards />
      {pack && (
        <details className="capabilities">
          <summary>What this browser offers</summary>
          <ul>
            <li>
              WebGPU:{' '}
              {pack.gpu
                ? `${pack.gpu.adapter}; shader-f16 ${pack.gpu.shaderF16 ? 'yes' : 'no'}; ` +
                  `largest buffer ${(pack.gpu.maxBufferSize / 2 ** 20).toFixed(0)} MB`
                : 'no adapter'}
            </li>
            <li data-testid="ort-build" data-build={pack.ortBuild}>
              Runtime build:{' '}
              {pack.ortBuild === 'plain'
                ? 'plain WebAssembly (no WebGPU adapter, so the faster build without WebGPU support)'
                : 'WebGPU-capable (its WebAssembly runs slower than the plain build)'}
            </li>
            <li data-testid="threads" data-isolated={pack.crossOriginIsolated}>
              WASM threads: {pack.threads}
              {pack.crossOriginIsolated
                ? ' (the page is cross-origin isolated, so WebAssembly may use threads)'
                : ' (the page is not cross-origin isolated, so one; where the server does not send the ' +
                  "isolation headers, the app's service worker adds them from the next visit on)"}
            </li>
            <li data-testid="batch-plan" data-gpt-rows={batchPlan?.gptRows}>
              Batches:{' '}
              {batchPlan
                ? `up to ${batchPlan.gptRows} GPT rows and ${batchPlan.decoderImages} decoder images per run, ` +
                  `the sizes that cost least per image when measured here (${describeTimes(batchPlan)})`
                : 'measured when you first ask for more than one image'}
            </li>
            {gpuMemory && (
              <li data-testid="gpu-memory" data-buffers={gpuMemory.buffers}>
                WebGPU buffers alive after the last job: {gpuMemory.buffers} ({mib(gpuMemory.bytes)} MB)
              </li>
            )}
          </ul>
        </details>
      )}
    </Paper>
  );
}
