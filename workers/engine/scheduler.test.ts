import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('Scheduler', () => {
  it('runs one job at a time, interactive ones before queued background ones', async () => {
    const scheduler = new Scheduler();
    const order: string[] = [];
    let active = 0;
    const job = (name: string) => async () => {
      active++;
      expect(active).toBe(1);
      await tick();
      order.push(name);
      active--;
    };
    await Promise.all([
      scheduler.run('background', job('step 1')),
      scheduler.run('background', job('step 2')),
      scheduler.run('interactive', job('token map')),
      scheduler.run('background', job('step 3')),
    ]);
    expect(order).toEqual(['step 1', 'token map', 'step 2', 'step 3']);
  });

  it('passes the turn on after a job fails', async () => {
    const scheduler = new Scheduler();
    const failed = scheduler.run('background', async () => {
      throw new Error('boom');
    });
    const next = scheduler.run('background', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
