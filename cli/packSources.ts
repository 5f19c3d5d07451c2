// What `--pack` names: a listed pack (public/models/<id>), a folder on disk, or an http(s) URL.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type PackSource, urlSource } from '../workers/engine/packSource';
import { fileSource } from '../workers/node/fileSource';

export function packSource(pack: string): PackSource {
  if (/^https?:\/\//.test(pack)) return urlSource(pack.endsWith('/') ? pack : `${pack}/`);
  if (existsSync(join(pack, 'pack.json'))) return fileSource(pack);
  const listed = join('public', 'models', pack);
  if (existsSync(join(listed, 'pack.json'))) return fileSource(listed);
  throw new Error(`no pack '${pack}': give a listed pack's id, a folder with pack.json, or its URL`);
}
