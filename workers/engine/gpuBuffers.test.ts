import { describe, expect, it } from 'vitest';
import { countGpuBuffers, gpuMemory } from './gpuBuffers';

class FakeBuffer {
  destroyed = 0;
  destroy() {
    this.destroyed += 1;
  }
}
class FakeDevice {
  createBuffer(_desc: { size: number }) {
    return new FakeBuffer();
  }
}

describe('GPU buffer count', () => {
  it('counts created buffers until they are destroyed, once each', () => {
    expect(gpuMemory()).toBeNull();
    countGpuBuffers({ GPUDevice: FakeDevice, GPUBuffer: FakeBuffer } as never);
    const device = new FakeDevice();
    const a = device.createBuffer({ size: 100 });
    const b = device.createBuffer({ size: 28 });
    expect(gpuMemory()).toEqual({ buffers: 2, bytes: 128 });
    a.destroy();
    a.destroy();
    expect(gpuMemory()).toEqual({ buffers: 1, bytes: 28 });
    expect(a.destroyed).toBe(2); // the real destroy still runs
    b.destroy();
    expect(gpuMemory()).toEqual({ buffers: 0, bytes: 0 });
  });
});
