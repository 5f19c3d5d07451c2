// How many WebGPU buffers are alive, and how large: every buffer created through any GPUDevice
// minus every one destroyed. A count that keeps rising across jobs is a leak; the backend
// banner shows it, and the e2e tests check it over many cancelled generations.

export interface GpuMemory {
  buffers: number;
  bytes: number;
}

interface BufferLike {
  destroy(): void;
}
interface Prototypes {
  GPUDevice?: { prototype: { createBuffer(desc: { size: number }): BufferLike } };
  GPUBuffer?: { prototype: BufferLike };
}

let counted: GpuMemory | null = null;

/** Start counting (once, before any device exists); a no-op where there is no WebGPU. */
export function countGpuBuffers(scope: Prototypes = globalThis as unknown as Prototypes) {
  const { GPUDevice, GPUBuffer } = scope;
  if (counted || !GPUDevice || !GPUBuffer) return;
  const memory: GpuMemory = { buffers: 0, bytes: 0 };
  const sizes = new WeakMap<BufferLike, number>();
  const create = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function createBuffer(desc) {
    const buffer = create.call(this, desc);
    sizes.set(buffer, desc.size);
    memory.buffers += 1;
    memory.bytes += desc.size;
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function destroyBuffer() {
    const size = sizes.get(this);
    if (size !== undefined) {
      sizes.delete(this);
      memory.buffers -= 1;
      memory.bytes -= size;
    }
    return destroy.call(this);
  };
  counted = memory;
}

export const gpuMemory = (): GpuMemory | null => (counted ? { ...counted } : null);
