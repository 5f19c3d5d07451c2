// One ORT run at a time, in priority order. Generation steps queue as 'background'; token maps
// and decodes queue as 'interactive' and go first, so they slip in between the steps of a long
// generation instead of waiting for all of it.
export type Priority = 'interactive' | 'background';

/** Resolve after the event loop has had a turn: WASM runs resolve without one, so without this a
 *  worker would not see a cancel or a token-map request until a whole generation had finished.
 *  (A message round trip, not setTimeout, which browsers clamp to 4 ms when nested; one channel
 *  for all of them, since making a channel costs more than the round trip.) */
let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];
// Node: a port with a listener keeps the process alive, so it is held only while a turn is awaited
type NodePort = MessagePort & { ref?: () => void; unref?: () => void };

export function nextTask(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    const port = channel.port1 as NodePort;
    port.onmessage = () => {
      waiting.shift()?.();
      if (waiting.length === 0) port.unref?.();
    };
  }
  (channel.port1 as NodePort).ref?.();
  const sender = channel.port2;
  return new Promise((resolve) => {
    waiting.push(resolve);
    sender.postMessage(null);
  });
}

export class Scheduler {
  private running = false;
  private readonly waiting: Record<Priority, (() => void)[]> = { interactive: [], background: [] };

  async run<T>(priority: Priority, job: () => Promise<T>): Promise<T> {
    await nextTask();
    if (this.running) await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    this.running = true;
    try {
      return await job();
    } finally {
      this.handOver();
    }
  }

  private handOver() {
    const next = this.waiting.interactive.shift() ?? this.waiting.background.shift();
    if (next)
      next(); // the turn passes straight on; `running` stays true
    else this.running = false;
  }
}
