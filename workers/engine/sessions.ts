// ORT sessions for every graph of a pack, checked against what pack.json says about them.
import type { InferenceSession } from 'onnxruntime-web';
import { type Backend, graphsFor } from './backend';
import { type GraphEntry, type GraphName, PackError } from './manifest';
import { ort } from './onnxRuntime';
import type { PackFiles } from './readPack';

export type Sessions = Map<GraphName, InferenceSession>;

const CACHE_OUTPUTS = ['present_key', 'present_value'];

function checkSignature(entry: GraphEntry, session: InferenceSession) {
  const sides = [
    ['inputs', entry.inputs, session.inputMetadata],
    ['outputs', entry.outputs, session.outputMetadata],
  ] as const;
  for (const [side, specs, metas] of sides) {
    const names = metas.map((m) => m.name);
    const expected = specs.map((s) => s.name);
    if (names.join() !== expected.join()) {
      throw new PackError(
        `${entry.file}: graph ${side} [${names.join(', ')}] do not match ` + `pack.json [${expected.join(', ')}]`,
      );
    }
    specs.forEach((spec, i) => {
      const meta = metas[i];
      if (!meta.isTensor) return;
      const shape = meta.shape.map((d) => (typeof d === 'number' || d === 'past' || d === 'new' ? d : 'batch'));
      const want = spec.shape.join('×');
      if (meta.type !== spec.dtype || shape.join('×') !== want) {
        throw new PackError(
          `${entry.file}: ${spec.name} is ${meta.type} [${shape.join('×')}] ` +
            `but pack.json says ${spec.dtype} [${want}]`,
        );
      }
    });
  }
}

// WebAssembly addresses 4 GB; leave room for activations, caches and the runtime itself.
const WASM_WEIGHT_BUDGET = 3.5 * 2 ** 30;

/** The bytes a graph's weights take once the graph has widened its stored weights to float32. */
const float32Bytes = (entry: GraphEntry) =>
  entry.bytes * (entry.weights === 'fp16' ? 2 : entry.weights === 'int8' ? 4 : 1);

export async function createSessions(pack: PackFiles, backend: Backend): Promise<Sessions> {
  const names = graphsFor(pack.graphs.keys(), backend);
  if (backend === 'wasm') {
    const total = names.reduce((sum, name) => sum + float32Bytes(pack.manifest.graphs[name]!), 0);
    if (total > WASM_WEIGHT_BUDGET) {
      const gb = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
      throw new PackError(
        `this pack's weights take ${gb(total)} GB as float32, more than WebAssembly's 4 GB memory holds ` +
          `with room to run (${gb(WASM_WEIGHT_BUDGET)} GB): it runs only on WebGPU`,
      );
    }
  }
  const sessions: Sessions = new Map();
  for (const name of names) {
    const bytes = pack.graphs.get(name)!;
    const entry = pack.manifest.graphs[name]!;
    const isGpt = 'kv_cache' in entry;
    // 'cpu' is onnxruntime-node's provider once that package is imported (the CLI does)
    const options: InferenceSession.SessionOptions = {
      executionProviders: [backend === 'native' ? 'cpu' : backend],
    };
    if (backend === 'webgpu' && isGpt) {
      // the KV cache stays on the GPU between steps; only logits come back
      options.preferredOutputLocation = Object.fromEntries(CACHE_OUTPUTS.map((o) => [o, 'gpu-buffer']));
    }
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, options);
    } catch (e) {
      await Promise.all([...sessions.values()].map((s) => s.release()));
      throw new PackError(`${entry.file}: cannot create a ${backend} session: ${(e as Error).message}`);
    }
    sessions.set(name, session);
    try {
      checkSignature(entry, session);
    } catch (e) {
      await Promise.all([...sessions.values()].map((s) => s.release()));
      throw e;
    }
  }
  return sessions;
}
