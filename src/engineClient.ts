// The UI's handle on the inference worker. If the worker dies, its pending calls reject, a new
// worker takes its place, and the listener is told (so the UI can say so and reload the pack).
import * as Comlink from 'comlink';
import type { WorkerApi } from '../workers/protocol';

interface Running {
  api: Comlink.Remote<WorkerApi>;
  crashed: Promise<never>;
}

let running: Running;
let crashListener: (reason: string) => void = () => undefined;

function start() {
  const worker = new Worker(new URL('../workers/worker.ts', import.meta.url), { type: 'module' });
  const crashed = new Promise<never>((_, reject) => {
    worker.addEventListener(
      'error',
      (e) => {
        const reason = e.message || 'unknown error';
        worker.terminate();
        reject(new Error(`the inference worker crashed (${reason})`));
        start();
        crashListener(reason);
      },
      { once: true },
    );
  });
  crashed.catch(() => undefined);
  running = { api: Comlink.wrap<WorkerApi>(worker), crashed };
}
start();

/** Call the worker; rejects if it crashes before answering. */
export function callWorker<T>(call: (api: Comlink.Remote<WorkerApi>) => Promise<T>): Promise<T> {
  const { api, crashed } = running;
  return Promise.race([call(api), crashed]);
}

export function onWorkerCrash(listener: (reason: string) => void) {
  crashListener = listener;
}

export const proxy = Comlink.proxy;
