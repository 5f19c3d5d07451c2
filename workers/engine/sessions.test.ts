import { describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import { readPack } from './readPack';
import { createSessions } from './sessions';
import { FIXTURE_DIR } from './test/golden';

describe('sessions', () => {
  it('refuses on WASM a pack whose float32 weights cannot fit WebAssembly memory, saying why', async () => {
    const files = await readPack(fileSource(FIXTURE_DIR));
    // two GPTs as large as the official large model's (732M parameters), stored in fp16
    const graphs = { ...files.manifest.graphs };
    for (const name of ['stage1_wasm', 'stage2_wasm'] as const) {
      graphs[name] = { ...graphs[name]!, bytes: 1.45 * 2 ** 30, weights: 'fp16' };
    }
    const large = { ...files, manifest: { ...files.manifest, graphs } };
    await expect(createSessions(large, 'wasm')).rejects.toThrow(
      /weights take 5\.8 GB as float32, more than WebAssembly's 4 GB memory holds .*: it runs only on WebGPU/,
    );
  });
});
