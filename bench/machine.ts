// Where a benchmark ran. Results from different machines are compared by their ratios (ours vs a
// reference, batch 8 vs batch 1), never by their times; every result file records this.
import os from 'node:os';
import * as ort from 'onnxruntime-web';

export function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() || 'unknown',
    cores: cpus.length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.arch()}`,
    node: process.version,
    onnxruntime_web: ort.env.versions.web ?? 'unknown',
  };
}
