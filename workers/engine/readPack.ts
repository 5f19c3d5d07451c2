// Read a pack from a source: pack.json validated first, then every graph with its byte size and
// sha256 checked, so a corrupt or mismatched pack is refused before any session is created.
import { type GraphName, PackError, type PackManifest, validateManifest } from './manifest';
import type { PackSource, Progress } from './packSource';

export interface PackFiles {
  manifest: PackManifest;
  graphs: Map<GraphName, Uint8Array>;
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
    throw new PackError(`${where}pack.json is not JSON${looksHtml ? ' (the server sent HTML — ' +
      'is the pack URL right?)' : ''}`);
  }
}

export async function readPack(source: PackSource,
  onProgress?: (file: string, loaded: number, total: number) => void): Promise<PackFiles> {
  const manifest = validateManifest(parseJson(await source.text('pack.json'), source.where));
  const graphs = new Map<GraphName, Uint8Array>();
  for (const [name, entry] of Object.entries(manifest.graphs) as [GraphName, PackManifest['graphs'][GraphName]][]) {
    if (!entry) continue;
    const progress: Progress = (loaded, total) => onProgress?.(entry.file, loaded, total || entry.bytes);
    const bytes = await source.bytes(entry.file, progress);
    if (bytes.length !== entry.bytes) {
      throw new PackError(`${entry.file}: pack.json says ${entry.bytes} bytes, got ${bytes.length}`);
    }
    const digest = await sha256Hex(bytes);
    if (digest !== entry.sha256) {
      throw new PackError(`${entry.file}: sha256 mismatch (pack.json ${entry.sha256.slice(0, 12)}…, ` +
        `file ${digest.slice(0, 12)}…); the file is corrupt or from another pack`);
    }
    graphs.set(name, bytes);
  }
  return { manifest, graphs };
}
