// Which ONNX runtime the command line runs on: onnxruntime-node's native CPU provider where that
// package is installed, else onnxruntime-web's WASM, the app's own backend.
import * as ort from 'onnxruntime-web';
import { type OnnxRuntime, useRuntime } from '../workers/engine/onnxRuntime';

export type CliBackend = 'native' | 'wasm';

export async function chooseBackend(want: 'auto' | CliBackend, wasmThreads: number): Promise<CliBackend> {
  ort.env.wasm.numThreads = wasmThreads;
  if (want === 'wasm') return 'wasm';
  try {
    useRuntime((await import('onnxruntime-node')) as unknown as OnnxRuntime);
    return 'native';
  } catch (e) {
    if (want === 'native') {
      throw new Error(
        `--backend native needs onnxruntime-node (npm install onnxruntime-node): ${(e as Error).message}`,
      );
    }
    return 'wasm';
  }
}
