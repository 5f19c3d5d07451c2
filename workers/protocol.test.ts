// The UI imports workers/protocol.ts (a lint rule allows nothing else from workers/), so it must
// stay types only: importing it must not pull engine code into the UI bundle.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('workers/protocol.ts', () => {
  it('imports and exports types only', () => {
    const source = readFileSync(new URL('./protocol.ts', import.meta.url), 'utf8');
    const statements = source.match(/^(import|export)\b[^;]*;/gm) ?? [];
    expect(statements.length).toBeGreaterThan(5);
    const runtime = statements.filter((s) => !/^(import|export) type\b/.test(s) && !/^export interface\b/.test(s));
    expect(runtime).toEqual([]);
  });
});
