// Loading a pack over HTTP: retries with backoff, cancellation, and the file store.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource } from '../node/fileSource';
import { memoryFileStore } from './fileStore';
import { PackError } from './manifest';
import { urlSource } from './packSource';
import { packStatus, readPack } from './readPack';
import { FIXTURE_DIR } from './test/golden';

let server: Server;
let base = '';
const failuresLeft = new Map<string, number>();
const breaksAfter = new Map<string, number>(); // file -> bytes sent before the connection drops, once
const rangeHeaders: (string | undefined)[] = [];
let honourRanges = true;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const file = (req.url ?? '/').slice(1);
    requests.push(file);
    const failures = failuresLeft.get(file) ?? 0;
    if (failures > 0) {
      failuresLeft.set(file, failures - 1);
      res.writeHead(503).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(`${FIXTURE_DIR}/${file}`);
    } catch {
      res.writeHead(404).end();
      return;
    }
    rangeHeaders.push(req.headers.range);
    const cut = breaksAfter.get(file);
    if (cut !== undefined) {
      breaksAfter.delete(file);
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, cut), () => res.destroy());
      return;
    }
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? NaN);
    if (honourRanges && from > 0) {
      res
        .writeHead(206, { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` })
        .end(body.subarray(from));
      return;
    }
    res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const noWait = { sleep: async () => undefined };

describe('pack loading over HTTP', () => {
  it('retries a file that fails with 503, with the given backoff', async () => {
    failuresLeft.set('stage1.onnx', 2);
    const delays: number[] = [];
    const pack = await readPack(urlSource(base, { sleep: async (ms) => void delays.push(ms) }));
    expect(pack.graphs.get('stage1')!.length).toBe(pack.manifest.graphs.stage1.bytes);
    expect(delays).toEqual([500, 2000]);
  });

  it('gives up after the last retry, naming the file and status', async () => {
    failuresLeft.set('encoder.onnx', 9);
    await expect(readPack(urlSource(base, { ...noWait, retryDelaysMs: [1, 1] }))).rejects.toThrow(
      /encoder\.onnx: HTTP 503/,
    );
    failuresLeft.clear();
  });

  for (const resumes of [true, false]) {
    const how = resumes ? 'from where it stopped' : 'from the start when the server ignores Range';
    it(`finishes a download that broke off ${how}`, async () => {
      honourRanges = resumes;
      breaksAfter.set('stage1.onnx', 5000);
      rangeHeaders.length = 0;
      const seen: number[] = [];
      const bytes = await urlSource(base, noWait).bytes('stage1.onnx', (loaded) => seen.push(loaded));
      expect(Buffer.from(bytes).equals(readFileSync(`${FIXTURE_DIR}/stage1.onnx`))).toBe(true);
      expect(rangeHeaders).toEqual([undefined, 'bytes=5000-']);
      expect(Math.max(...seen)).toBe(bytes.length);
      honourRanges = true;
    });
  }

  it('does not retry a 404', async () => {
    requests.length = 0;
    await expect(urlSource(`${base}missing/`, noWait).text('pack.json')).rejects.toThrow(/HTTP 404/);
    expect(requests).toEqual(['missing/pack.json']);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const load = readPack(urlSource(base, { ...noWait, signal: controller.signal }), {
      onProgress: () => controller.abort(),
    });
    await expect(load).rejects.toThrow(/abort/i);
  });
});

describe('file store', () => {
  it('keeps verified files and serves them next time without the source', async () => {
    const store = memoryFileStore();
    const first = await readPack(fileSource(FIXTURE_DIR), { store });
    expect(first.cached).toEqual([]);
    expect(store.files.size).toBe(Object.keys(first.manifest.graphs).length);
    const origins = new Set<string>();
    const disk = fileSource(FIXTURE_DIR);
    const textOnly = { ...disk, bytes: () => Promise.reject(new Error('should come from the store')) };
    const second = await readPack(textOnly, { store, onProgress: (p) => origins.add(p.origin) });
    expect(second.cached).toHaveLength(store.files.size);
    expect([...origins]).toEqual(['cache']);
  });

  it('downloads again when a stored file is corrupt', async () => {
    const store = memoryFileStore();
    const { manifest } = await readPack(fileSource(FIXTURE_DIR), { store });
    store.files.set(manifest.graphs.encoder.sha256, new Uint8Array([1, 2, 3]));
    const again = await readPack(fileSource(FIXTURE_DIR), { store });
    expect(again.cached).not.toContain('encoder.onnx');
    expect(again.graphs.get('encoder')!.length).toBe(manifest.graphs.encoder.bytes);
  });

  it('does not store a pack larger than the free storage, and says so', async () => {
    const store = memoryFileStore(1000);
    const pack = await readPack(fileSource(FIXTURE_DIR), { store });
    expect(store.files.size).toBe(0);
    expect(pack.storeSkipped).toMatch(/needs 0\.\d MB .* not kept/);
  });

  it('refuses a corrupt download even with a store', async () => {
    const store = memoryFileStore();
    const disk = fileSource(FIXTURE_DIR);
    const corrupt = {
      ...disk,
      bytes: async (file: string) => {
        const bytes = await disk.bytes(file);
        if (file === 'quantizer.onnx') bytes[10] ^= 0xff;
        return bytes;
      },
    };
    await expect(readPack(corrupt, { store })).rejects.toBeInstanceOf(PackError);
  });
});

describe('pack status', () => {
  it('counts the graphs a store already holds, without reading them from the source', async () => {
    const store = memoryFileStore();
    const before = await packStatus(fileSource(FIXTURE_DIR), store);
    expect([before.cachedGraphs, before.graphs]).toEqual([0, 11]);
    await readPack(fileSource(FIXTURE_DIR), { store });
    const after = await packStatus(fileSource(FIXTURE_DIR), store);
    expect([after.cachedGraphs, after.graphs]).toEqual([11, 11]);
    expect(after.manifest.id).toBe('fixture-tiny');
  });
});
