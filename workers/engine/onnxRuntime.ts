// The ONNX runtime the engine drives: onnxruntime-web in the app. The command line may switch
// to onnxruntime-node, which has the same API but its own Tensor class, so every tensor must
// come from the runtime whose sessions run it.
import * as web from 'onnxruntime-web';

export type OnnxRuntime = Pick<typeof web, 'InferenceSession' | 'Tensor'>;

export let ort: OnnxRuntime = web;

export function useRuntime(runtime: OnnxRuntime) {
  ort = runtime;
}
