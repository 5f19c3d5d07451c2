// ORT sessions for every graph of a pack, checked against what pack.json says about them.
import * as ort from 'onnxruntime-web';
import { type Backend, graphsFor } from './backend';
import { type GraphEntry, type GraphName, PackError } from './manifest';
import type { PackFiles } from './readPack';

export type Sessions = Map<GraphName, ort.InferenceSession>;

const CACHE_OUTPUTS = ['present_key', 'present_value'];

function checkSignature(entry: GraphEntry, session: ort.InferenceSession) {
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

export async function createSessions(pack: PackFiles, backend: Backend): Promise<Sessions> {
  const sessions: Sessions = new Map();
  for (const name of graphsFor(pack.graphs.keys(), backend)) {
    const bytes = pack.graphs.get(name)!;
    const entry = pack.manifest.graphs[name]!;
    const isGpt = 'kv_cache' in entry;
    const options: ort.InferenceSession.SessionOptions = { executionProviders: [backend] };
    if (backend === 'webgpu' && isGpt) {
      // the KV cache stays on the GPU between steps; only logits come back
      options.preferredOutputLocation = Object.fromEntries(CACHE_OUTPUTS.map((o) => [o, 'gpu-buffer']));
    }
    let session: ort.InferenceSession;
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
