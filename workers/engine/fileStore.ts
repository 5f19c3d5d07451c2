// Where verified pack files are kept between visits: the browser's Cache API, keyed by sha256,
// so a pack downloads once and a WebGPU -> WASM fallback or a reload never fetches it again.
export interface FileStore {
  get(sha256: string): Promise<Uint8Array | null>;
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  /** Bytes the store may still take (null when the browser does not say). */
  free(): Promise<number | null>;
  clear(): Promise<void>;
}

const CACHE_NAME = 'digit-pack-files-v1';
const keyOf = (sha256: string) => `/digit-pack-files/${sha256}`;

/** The Cache API store, or null where there is none (Node, insecure origins). */
export async function browserFileStore(): Promise<FileStore | null> {
  if (typeof caches === 'undefined') return null;
  const open = () => caches.open(CACHE_NAME);
  return {
    async get(sha256) {
      const hit = await (await open()).match(keyOf(sha256));
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async put(sha256, bytes) {
      await (await open()).put(keyOf(sha256), new Response(bytes as Uint8Array<ArrayBuffer>));
    },
    async free() {
      const estimate = await navigator.storage?.estimate?.();
      return estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : null;
    },
    async clear() {
      await caches.delete(CACHE_NAME);
    },
  };
}

/** An in-memory store (tests). */
export function memoryFileStore(quota: number | null = null): FileStore & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    get: async (sha256) => files.get(sha256) ?? null,
    put: async (sha256, bytes) => void files.set(sha256, bytes),
    free: async () => (quota === null ? null : quota - [...files.values()].reduce((a, b) => a + b.length, 0)),
    clear: async () => files.clear(),
  };
}
