// Where a pack's files come from: a URL (the browser) or any other reader (Node tests).
import { PackError } from './manifest';

export type Progress = (loaded: number, total: number) => void;

export interface PackSource {
  /** Human-readable location, for error messages. */
  readonly where: string;
  text(file: string): Promise<string>;
  bytes(file: string, onProgress?: Progress): Promise<Uint8Array>;
}

async function fetchOk(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new PackError(`could not fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new PackError(`could not fetch ${url}: HTTP ${res.status}`);
  return res;
}

export function urlSource(base: string): PackSource {
  const root = base.endsWith('/') ? base : `${base}/`;
  return {
    where: root,
    async text(file) {
      return (await fetchOk(root + file)).text();
    },
    async bytes(file, onProgress) {
      const res = await fetchOk(root + file);
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
    },
  };
}
