import { describe, expect, it } from 'vitest';
import { type GenerateProgress, ProgressMeter } from './progress';

describe('ProgressMeter', () => {
  it('reports at most once per interval, always the last step of a stage, with rate and ETA', () => {
    let now = 0;
    const seen: GenerateProgress[] = [];
    // 4 stage-1 steps + 4 stage-2 steps, batch 2, one step every 20 ms, reports every 50 ms
    const meter = new ProgressMeter(
      16,
      (p) => seen.push(p),
      50,
      () => now,
    );
    for (const stage of ['stage1', 'stage2'] as const) {
      for (let done = 1; done <= 4; done++) {
        now += 20;
        meter.step(stage, 2, done, 4, () => [[done]]);
      }
    }
    expect(seen.map((p) => `${p.stage}:${p.done}`)).toEqual(['stage1:1', 'stage1:4', 'stage2:3', 'stage2:4']);
    expect(seen[0].tokensPerSecond).toBeCloseTo(100); // 2 tokens in 20 ms
    expect(seen[0].etaSeconds).toBeCloseTo(0.14); // 7 steps left at 20 ms
    expect(seen.at(-1)!.etaSeconds).toBe(0);
    expect(seen[1].tokens).toEqual([[4]]);
  });
});
