// The UI's handle on the inference worker.
import * as Comlink from 'comlink';
import type { WorkerApi } from '../workers/worker';

const worker = new Worker(new URL('../workers/worker.ts', import.meta.url), { type: 'module' });

export const engine = Comlink.wrap<WorkerApi>(worker);
export const proxy = Comlink.proxy;
