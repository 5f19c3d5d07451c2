// Read a pack from a source: pack.json validated first, then every graph with its byte size and
// sha256 checked, so a corrupt or mismatched pack is refused before any session is created.
// With a file store, verified files are kept there and read back from it next time.

import { type Backend, graphsFor } from './backend';
import type { FileStore } from './fileStore';
import { type GraphName, PackError, type PackManifest, validateManifest } from './manifest';
import type { PackSource, Progress } from './packSource';

export interface PackFiles {
  manifest: PackManifest;
  graphs: Map<GraphName, Uint8Array>;
  /** The exemplar atlas (a PNG), when the pack has one. */
  exemplars: Uint8Array | null;
  /** The pack's held-out images (with the class each belongs to, where the pack says). */
  examples: { file: string; bytes: Uint8Array; classId?: number }[];
  /** One image of every class in a row (a PNG) and its tile size, when the pack has them. */
  classImages: { bytes: Uint8Array; tile: number } | null;
  /** Files that came from the store rather than the source. */
  cached: string[];
  /** Why files were not stored, if they were not (e.g. too little free storage). */
  storeSkipped: string | null;
}

export type FileOrigin = 'cache' | 'network';
/** The whole pack's reading so far: bytes and files done of the total (a file from the browser's
 *  cache is done at once), how many came from that cache, and the file that moved last. */
export interface PackProgress {
  bytesDone: number;
  bytes: number;
  filesDone: number;
  files: number;
  fromCache: number;
  file: string;
  origin: FileOrigin;
}
export type LoadProgress = (progress: PackProgress) => void;

/** How many files download at once: a high-latency server then costs one round trip per batch,
 *  not one per file. */
export const PARALLEL_DOWNLOADS = 5;

/** `work` over every item, at most `limit` at a time; the results in the items' order. After a
 *  failure no new item starts, and the first error is thrown once the running ones have settled
 *  (so nothing is still downloading when the caller hears of it). */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await work(items[i]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

export interface ReadOptions {
  onProgress?: LoadProgress;
  store?: FileStore | null;
  /** Whether files the store holds are taken from it (default) or read from the source anyway
   *  (a folder on the user's disk: reading it is cheap, and a wrong file there must be found). */
  readStore?: boolean;
  /** Read only the graphs this backend runs (graphsFor); every graph when absent. A pack read
   *  for WebGPU still runs on WASM, on its fixed-capacity steps. */
  backend?: Backend;
}

/** The graph entries of `manifest` that `backend` runs, or all of them. */
function graphEntries(manifest: PackManifest, backend?: Backend) {
  const names = Object.keys(manifest.graphs) as GraphName[];
  return (backend ? graphsFor(names, backend) : names).map((name) => [name, manifest.graphs[name]!] as const);
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const looksHtml = /^\s*</.test(text);
    throw new PackError(
      `${where}pack.json is not JSON${looksHtml ? ' (the server sent HTML — ' + 'is the pack URL right?)' : ''}`,
    );
  }
}

async function fromStore(store: FileStore, entry: { sha256: string }): Promise<Uint8Array | null> {
  const bytes = await store.get(entry.sha256).catch(() => null);
  return bytes && (await sha256Hex(bytes)) === entry.sha256 ? bytes : null;
}

/** The class picker's PNG, refused unless it holds a `tile`-px tile for every class. */
function checkedClassImages(manifest: PackManifest, bytes: Uint8Array): { bytes: Uint8Array; tile: number } {
  const { file, tile } = manifest.class_images!;
  const n = manifest.classes?.length ?? 0;
  const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [width, height] = bytes.length >= 24 ? [header.getUint32(16), header.getUint32(20)] : [0, 0]; // PNG IHDR
  if (width !== n * tile || height !== tile) {
    throw new PackError(
      `pack.json is invalid at class_images: ${file} is ${width}×${height} px, but ${n} classes of ` +
        `${tile} px need ${n * tile}×${tile}`,
    );
  }
  return { bytes, tile };
}

export async function readPack(
  source: PackSource,
  { onProgress, store, backend, readStore = true }: ReadOptions = {},
): Promise<PackFiles> {
  const manifest = validateManifest(parseJson(await source.text('pack.json'), source.where));
  const graphList = graphEntries(manifest, backend);
  const entries = [
    ...graphList.map(([, e]) => e),
    manifest.exemplars,
    manifest.class_images,
    ...(manifest.examples ?? []),
  ].filter((e) => e !== undefined);
  const total = entries.reduce((sum, e) => sum + e.bytes, 0);
  let storeSkipped: string | null = store ? null : 'this page has no cache storage';
  const free = store ? await store.free().catch(() => null) : null;
  if (store && free !== null && free < total) {
    storeSkipped =
      `the pack needs ${(total / 2 ** 20).toFixed(1)} MB and the browser allows ` +
      `${(free / 2 ** 20).toFixed(1)} MB more, so it is not kept for next time`;
  }
  const cached: string[] = [];
  const done = new Map<string, number>(); // bytes read of each file so far
  let filesDone = 0;
  const report = (file: string, loaded: number, origin: FileOrigin) => {
    done.set(file, loaded);
    let bytesDone = 0;
    for (const b of done.values()) bytesDone += b;
    onProgress?.({
      bytesDone,
      bytes: total,
      filesDone,
      files: entries.length,
      fromCache: cached.length,
      file,
      origin,
    });
  };
  /** One file, from the store when it holds it, else from the source, size and sha256 checked. */
  async function verified(entry: { file: string; bytes: number; sha256: string }): Promise<Uint8Array> {
    const hit = store && readStore ? await fromStore(store, entry) : null;
    if (hit) {
      cached.push(entry.file);
      filesDone++;
      report(entry.file, hit.length, 'cache');
      return hit;
    }
    const progress: Progress = (loaded) => report(entry.file, Math.min(loaded, entry.bytes), 'network');
    const bytes = await source.bytes(entry.file, progress);
    if (bytes.length !== entry.bytes) {
      throw new PackError(`${entry.file}: pack.json says ${entry.bytes} bytes, got ${bytes.length}`);
    }
    const digest = await sha256Hex(bytes);
    if (digest !== entry.sha256) {
      throw new PackError(
        `${entry.file}: sha256 mismatch (pack.json ${entry.sha256.slice(0, 12)}…, ` +
          `file ${digest.slice(0, 12)}…); the file is corrupt or from another pack`,
      );
    }
    if (store && !storeSkipped) {
      await store.put(entry.sha256, bytes).catch((e) => {
        storeSkipped = `the browser refused to store ${entry.file}: ${(e as Error).message}`;
      });
    }
    filesDone++;
    report(entry.file, bytes.length, 'network');
    return bytes;
  }
  const read = await inParallel(entries, PARALLEL_DOWNLOADS, verified);
  const bytesOf = new Map(entries.map((e, i) => [e.file, read[i]]));
  const graphs = new Map(graphList.map(([name, entry]) => [name, bytesOf.get(entry.file)!]));
  const exemplars = manifest.exemplars ? bytesOf.get(manifest.exemplars.file)! : null;
  const examples = (manifest.examples ?? []).map((e) => ({
    file: e.file,
    bytes: bytesOf.get(e.file)!,
    classId: e.class_id,
  }));
  const classImages = manifest.class_images
    ? checkedClassImages(manifest, bytesOf.get(manifest.class_images.file)!)
    : null;
  return { manifest, graphs, exemplars, examples, classImages, cached, storeSkipped };
}

export interface PackStatus {
  manifest: PackManifest;
  cachedGraphs: number;
  graphs: number;
  bytes: number;
}

/** A pack's manifest, and of the graphs `backend` would read (all when absent): how many, their
 *  bytes, and how many the store already holds (without downloading them). */
export async function packStatus(source: PackSource, store: FileStore | null, backend?: Backend): Promise<PackStatus> {
  const manifest = validateManifest(parseJson(await source.text('pack.json'), source.where));
  const entries = graphEntries(manifest, backend).map(([, e]) => e);
  const hits = store ? await Promise.all(entries.map((e) => store.get(e.sha256).catch(() => null))) : [];
  return {
    manifest,
    cachedGraphs: hits.filter((h) => h !== null).length,
    graphs: entries.length,
    bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
  };
}
