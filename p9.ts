import * as ort from 'onnxruntime-web';
import { Engine } from './workers/engine/engine';
import { readPack } from './workers/engine/readPack';
import { settingsFromPack } from './workers/engine/sampling';
import { fileSource } from './workers/node/fileSource';
ort.env.wasm.numThreads = 1;
const files = await readPack(fileSource('public/models/fashion-mini'));
const engine = await Engine.fromFiles(files, 'wasm');
await engine.warmUp('direct');
const stage1 = settingsFromPack(files.manifest.sampling.stage1);
for (const batch of [1, 4, 8, 8]) {
  const t = performance.now();
  const r = await engine.generate({ classId: 0, seed: 1, batch, decoder: 'direct', stage1 }, { previewIntervalMs: 250, onPreview: () => undefined, onProgress: () => undefined });
  console.log(batch, r.images.length, (performance.now() - t).toFixed(0), 'ms', JSON.stringify(Object.keys(engine.batchPlan?.gptMsPerRow ?? {})));
}
await engine.dispose();
