// A pack source that reads a folder on disk (Node: tests and benchmarks).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PackError } from '../engine/manifest';
import type { PackSource } from '../engine/packSource';

export function fileSource(dir: string): PackSource {
  const read = async (file: string) => {
    try {
      return await readFile(join(dir, file));
    } catch (e) {
      throw new PackError(`cannot read ${join(dir, file)}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  };
  return {
    where: `${dir}/`,
    text: async (file) => (await read(file)).toString('utf8'),
    bytes: async (file) => new Uint8Array(await read(file)),
  };
}
