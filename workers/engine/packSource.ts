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
  /** Delays before each retry of a failed request (network error, HTTP 408, 429 or 5xx). */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

/** A failure worth another try: the server or the network, not the request. */
class TransientError extends PackError {}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

async function readBody(res: Response, onProgress?: Progress): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function urlSource(base: string, options: UrlSourceOptions = {}): PackSource {
  const root = base.endsWith('/') ? base : `${base}/`;
  const { signal, retryDelaysMs = [500, 2000, 5000] } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function attempt<T>(url: string, read: (res: Response) => Promise<T>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, { signal });
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

  async function get<T>(file: string, read: (res: Response) => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt(root + file, read);
      } catch (e) {
        if (!(e instanceof TransientError) || i >= retryDelaysMs.length) throw e;
        await sleep(retryDelaysMs[i]);
      }
    }
  }

  return {
    where: root,
    text: (file) => get(file, (res) => res.text()),
    bytes: (file, onProgress) => get(file, (res) => readBody(res, onProgress)),
  };
}
