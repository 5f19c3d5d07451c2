// NumPy's .npz (a zip of .npy arrays) for evaluation scripts: npyjs writes each array, fflate
// zips them.
import { writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { type DType, dump, type TypedArray } from 'npyjs';

export interface NpzArray {
  data: TypedArray | string[];
  shape: number[];
  dtype?: DType;
}

export function writeNpz(path: string, arrays: Record<string, NpzArray>) {
  const files = Object.fromEntries(
    Object.entries(arrays).map(([name, a]) => [
      `${name}.npy`,
      new Uint8Array(dump(a.data as TypedArray, a.shape, a.dtype ? { dtype: a.dtype } : undefined)),
    ]),
  );
  writeFileSync(path, zipSync(files, { level: 0 }));
}
