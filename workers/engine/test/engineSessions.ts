// For tests that run one of an engine's graphs directly: its ORT session (created if it is not yet).
import type { InferenceSession } from 'onnxruntime-web';
import type { Engine } from '../engine';
import type { GraphName } from '../manifest';
import type { Sessions } from '../sessions';

export function sessionOf(engine: Engine, name: GraphName): Promise<InferenceSession> {
  return (engine as unknown as { sessions: Sessions }).sessions.get(name);
}
