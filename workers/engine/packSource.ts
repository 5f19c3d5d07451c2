// Where a pack's files come from: a URL (the browser) or any other reader (Node tests).
import { PackError } from './manifest';

export type Progress = (loaded: number, total: number) => void;

export interface PackSource {
  /** Human-readable location, for error messages. */
  readonly where: string;
  text(file: string): Promise<string>;
  bytes(file: string, onProgress?: Progress): Promise<Uint8Array>;
}

export interface UrlSourceOptions {
  /** Aborting stops the download; the load rejects. */
  signal?: AbortSignal;
  /** Delays before each retry of a failed request (network error, HTTP 408, 429 or 5xx); a
   *  download that broke off resumes with an HTTP Range request where the server allows it. */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

/** A failure worth another try: the server or the network, not the request. */
class TransientError extends PackError {}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** One file's bytes as they arrive, kept across attempts so a retry can resume where the last
 *  one broke off. */
class PartialFile {
  chunks: Uint8Array[] = [];
  loaded = 0;
  total = 0;

  /** The request header that asks for the rest, once something has arrived. */
  get range(): HeadersInit | undefined {
    return this.loaded ? { Range: `bytes=${this.loaded}-` } : undefined;
  }

  /** Reads a response into the file: a 206 continues it, anything else starts it over. */
  async read(res: Response, onProgress?: Progress) {
    const length = Number(res.headers.get('content-length') ?? 0);
    const resumedAt =
      res.status === 206 ? Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1]) : 0;
    if (resumedAt !== this.loaded) {
      this.chunks = [];
      this.loaded = 0;
    }
    this.total = this.loaded + length;
    if (!res.body) {
      this.add(new Uint8Array(await res.arrayBuffer()), onProgress);
      return;
    }
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      this.add(value, onProgress);
    }
  }

  private add(chunk: Uint8Array, onProgress?: Progress) {
    this.chunks.push(chunk);
    this.loaded += chunk.length;
    onProgress?.(this.loaded, this.total);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.loaded);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export function urlSource(base: string, options: UrlSourceOptions = {}): PackSource {
  const root = base.endsWith('/') ? base : `${base}/`;
  const { signal, retryDelaysMs = [500, 2000, 5000] } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function attempt<T>(url: string, read: (res: Response) => Promise<T>, headers?: HeadersInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, { signal, headers });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new TransientError(`could not fetch ${url}: ${(e as Error).message}`);
    }
    if (!res.ok) {
      const error = `could not fetch ${url}: HTTP ${res.status}`;
      throw retryable(res.status) ? new TransientError(error) : new PackError(error);
    }
    try {
      return await read(res);
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new TransientError(`the download of ${url} broke off: ${(e as Error).message}`);
    }
  }

  async function get<T>(
    file: string,
    read: (res: Response) => Promise<T>,
    headers?: () => HeadersInit | undefined,
  ): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt(root + file, read, headers?.());
      } catch (e) {
        if (!(e instanceof TransientError) || i >= retryDelaysMs.length) throw e;
        await sleep(retryDelaysMs[i]);
      }
    }
  }

  return {
    where: root,
    text: (file) => get(file, (res) => res.text()),
    bytes: async (file, onProgress) => {
      const partial = new PartialFile();
      await get(
        file,
        (res) => partial.read(res, onProgress),
        () => partial.range,
      );
      return partial.bytes();
    },
  };
}

/** A pack folder the user picked or dropped: its files by path inside the folder. */
export interface PackFolder {
  name: string;
  files: Record<string, Blob>;
}

/** A pack source over a folder from the user's disk. */
export function folderSource(folder: PackFolder): PackSource {
  const where = `the folder ${folder.name}/: `;
  const read = (file: string) => {
    const blob = folder.files[file];
    if (!blob) throw new PackError(`${where}${file} is missing; pick the whole pack folder (with pack.json)`);
    return blob;
  };
  return {
    where,
    text: async (file) => read(file).text(),
    bytes: async (file, onProgress) => {
      const bytes = new Uint8Array(await read(file).arrayBuffer());
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    },
  };
}
