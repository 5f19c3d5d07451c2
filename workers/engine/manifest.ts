// pack.json: its types and its validation against docs/model-pack.schema.json, the same schema
// the Python exporter validates against.
import Ajv from 'ajv';
import schema from '../../docs/model-pack.schema.json';

export const FORMAT_VERSION = 1;

export type Dim = number | 'batch' | 'past' | 'new';
export interface TensorSpec {
  name: string;
  dtype: 'float32' | 'float16' | 'int64' | 'int32' | 'uint8';
  shape: Dim[];
}
export interface GraphEntry {
  file: string;
  bytes: number;
  sha256: string;
  /** How the file stores its weight matrices; the graph widens them to float32 itself. */
  weights?: 'fp32' | 'fp16' | 'int8';
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}
export interface KvCacheSpec {
  /** ['layers', 'batch', 'heads', 'capacity', 'head_dim'] (fixed-capacity step) or
   *  ['layers', 'batch', 'heads', 'past', 'head_dim'] (step over the past keys/values). */
  layout: string[];
  layers: number;
  heads: number;
  head_dim: number;
  capacity: number;
}
export interface GptGraphEntry extends GraphEntry {
  kv_cache: KvCacheSpec;
  vocab_size: number;
}
export interface SamplingDefaults {
  temperature?: number;
  top_k?: number;
  top_p?: number;
  guidance?: number;
}
export type DecoderKind = 'ar-vq' | 'direct';

/** The exemplar atlas: row k holds up to `per_token` tiles of `tile` px, the training patches
 *  nearest centroid k, each a `cell`-px token cell in the middle of its context. */
export interface ExemplarsEntry {
  file: string;
  bytes: number;
  sha256: string;
  per_token: number;
  tile: number;
  cell: number;
  counts: number[];
}

export interface PackManifest {
  format: 'digit-pack';
  format_version: number;
  id: string;
  title: string;
  description?: string;
  license: string;
  provenance: { data: string; command: string; commit?: string };
  image: { size: number; channels: 1 | 3 };
  grid: { h: number; w: number };
  codebook: { size: number; dim: number };
  vq_codebook_size?: number;
  classes: string[] | null;
  /** false: trained without class dropout, so no unconditional sampling and no guidance. */
  class_dropout?: boolean;
  tokens: {
    n_special: number;
    bos: number;
    separator: number;
    stage1_code_offset: number;
    class_offset: number;
    stage2_vq_offset: number;
    stage2_prefix_offset: number;
    /** With `vq_stage1`: the baseline GPT's ids (stage 1's layout over the VQ codebook). */
    vq_stage1_code_offset?: number;
    vq_stage1_class_offset?: number;
  };
  graphs: {
    encoder: GraphEntry;
    quantizer: GraphEntry;
    stage1: GptGraphEntry;
    stage2?: GptGraphEntry;
    /** The same GPTs as steps over the past keys/values, which the WASM backend runs when present. */
    stage1_wasm?: GptGraphEntry;
    stage2_wasm?: GptGraphEntry;
    vq_decoder?: GraphEntry;
    direct_decoder?: GraphEntry;
    /** The paper's baseline: image -> VQ codes, and a stage-1 GPT over VQ codes. */
    vq_encoder?: GraphEntry;
    vq_stage1?: GptGraphEntry;
    vq_stage1_wasm?: GptGraphEntry;
  };
  decoders: DecoderKind[];
  sampling: { decoder?: DecoderKind; stage1?: SamplingDefaults; stage2?: SamplingDefaults };
  metrics: Record<string, unknown>;
  exemplars?: ExemplarsEntry;
  /** Held-out images the token map offers to click. */
  examples?: { file: string; bytes: number; sha256: string; class_id?: number }[];
  /** One image of every class side by side (class 0 first, `tile` px each), for the class picker. */
  class_images?: { file: string; bytes: number; sha256: string; tile: number };
}

export type GraphName = keyof PackManifest['graphs'];

export class PackError extends Error {
  override name = 'PackError';
}

const validateSchema = new Ajv({ allErrors: false }).compile(schema);

/** Check a parsed pack.json; throws a PackError that names the offending field. */
export function validateManifest(json: unknown): PackManifest {
  const version = (json as { format_version?: unknown } | null)?.format_version;
  if (typeof version === 'number' && version !== FORMAT_VERSION) {
    throw new PackError(
      `pack.json format_version ${version} is not supported: this app reads ` +
        `version ${FORMAT_VERSION}. Re-export the pack with a matching exporter.`,
    );
  }
  if (!validateSchema(json)) {
    const e = validateSchema.errors![0];
    const where = e.instancePath.replace(/^\//, '') || '(top level)';
    throw new PackError(`pack.json is invalid at ${where}: ${e.message}`);
  }
  const m = json as unknown as PackManifest;
  const needs: [DecoderKind, GraphName[]][] = [
    ['ar-vq', ['stage2', 'vq_decoder']],
    ['direct', ['direct_decoder']],
  ];
  for (const [kind, graphs] of needs) {
    for (const g of graphs) {
      if (m.decoders.includes(kind) && !m.graphs[g]) {
        throw new PackError(`pack.json is invalid at graphs/${g}: decoder '${kind}' needs it`);
      }
    }
  }
  if (m.exemplars && m.exemplars.counts.length !== m.codebook.size) {
    throw new PackError(
      `pack.json is invalid at exemplars/counts: ${m.exemplars.counts.length} ` +
        `entries for a codebook of ${m.codebook.size}`,
    );
  }
  return m;
}

export const gridTokens = (m: PackManifest) => m.grid.h * m.grid.w;
