// ORT sessions for the graphs of a pack, checked against what pack.json says about them.
import type { InferenceSession } from 'onnxruntime-web';
import { type Backend, graphsFor } from './backend';
import { type GraphEntry, type GraphName, PackError } from './manifest';
import { ort } from './onnxRuntime';
import type { PackFiles } from './readPack';

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

/** The ORT sessions of a pack's graphs on one backend, each created on its first use (a graph the
 *  user never runs costs no time at load) and checked against pack.json then. A graph that
 *  fails to load keeps failing with the same error. Not safe to use from two jobs at once: the
 *  engine calls it inside its scheduler's jobs. */
export class Sessions {
  readonly names: GraphName[];
  private readonly made = new Map<GraphName, Promise<InferenceSession>>();

  constructor(
    private readonly pack: PackFiles,
    private readonly backend: Backend,
  ) {
    this.names = graphsFor(pack.graphs.keys(), backend);
    if (backend === 'wasm') checkWasmBudget(pack, this.names);
  }

  has(name: GraphName): boolean {
    return this.names.includes(name);
  }

  get(name: GraphName): Promise<InferenceSession> {
    if (!this.has(name)) return Promise.reject(new Error(`this pack has no ${name} graph`));
    let session = this.made.get(name);
    if (!session) {
      session = createSession(this.pack, this.backend, name);
      this.made.set(name, session);
    }
    return session;
  }

  /** Create every session now, so that a graph that does not load is refused at once. */
  async createAll(): Promise<void> {
    for (const name of this.names) await this.get(name);
  }

  async release(): Promise<void> {
    const made = [...this.made.values()];
    this.made.clear();
    await Promise.all(made.map((s) => s.then((session) => session.release()).catch(() => undefined)));
  }
}

function checkWasmBudget(pack: PackFiles, names: GraphName[]) {
  const total = names.reduce((sum, name) => sum + float32Bytes(pack.manifest.graphs[name]!), 0);
  if (total > WASM_WEIGHT_BUDGET) {
    const gb = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
    throw new PackError(
      `this pack's weights take ${gb(total)} GB as float32, more than WebAssembly's 4 GB memory holds ` +
        `with room to run (${gb(WASM_WEIGHT_BUDGET)} GB): it runs only on WebGPU`,
    );
  }
}

async function createSession(pack: PackFiles, backend: Backend, name: GraphName): Promise<InferenceSession> {
  const entry = pack.manifest.graphs[name]!;
  // 'cpu' is onnxruntime-node's provider once that package is imported (the CLI does)
  const options: InferenceSession.SessionOptions = {
    executionProviders: [backend === 'native' ? 'cpu' : backend],
  };
  if (backend === 'webgpu' && 'kv_cache' in entry) {
    // the KV cache stays on the GPU between steps; only logits come back
    options.preferredOutputLocation = Object.fromEntries(CACHE_OUTPUTS.map((o) => [o, 'gpu-buffer']));
  }
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(pack.graphs.get(name)!, options);
  } catch (e) {
    throw new PackError(`${entry.file}: cannot create a ${backend} session: ${(e as Error).message}`);
  }
  try {
    checkSignature(entry, session);
  } catch (e) {
    await session.release();
    throw e;
  }
  return session;
}
