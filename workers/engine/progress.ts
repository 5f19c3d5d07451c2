// Progress of one generation, throttled (the UI does not need every token of a batch of 16) and
// with its rate and ETA over all the steps still to come, across both stages.
export interface GenerateProgress {
  stage: 'stage1' | 'stage2';
  /** Tokens of this stage done, per image, out of `total` (a kept prefix counts as done). */
  done: number;
  total: number;
  /** Stage-1 DiGIT codes so far, one array per image. */
  tokens: number[][];
  /** Tokens sampled per second, all images of the batch together. */
  tokensPerSecond: number;
  /** Seconds until the last token, from the rate so far. */
  etaSeconds: number;
}

export type ProgressListener = (p: GenerateProgress) => void;

export class ProgressMeter {
  private tokensDone = 0;
  private lastEmit = -Infinity;
  private readonly start: number;

  /** totalTokens: tokens the whole generation samples, all images and both stages together. */
  constructor(
    private readonly totalTokens: number,
    private readonly listener?: ProgressListener,
    private readonly intervalMs = 50,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  /** One sampling step of `images` images finished. A stage's last step is always reported,
   *  others at most once per interval; `tokens` is only called for a report (it copies the grid). */
  step(stage: GenerateProgress['stage'], images: number, done: number, total: number, tokens: () => number[][]) {
    this.tokensDone += images;
    if (!this.listener) return;
    const t = this.now();
    if (done < total && t - this.lastEmit < this.intervalMs) return;
    this.lastEmit = t;
    const seconds = Math.max(t - this.start, 1e-3) / 1000;
    this.listener({
      stage,
      done,
      total,
      tokens: tokens(),
      tokensPerSecond: this.tokensDone / seconds,
      etaSeconds: ((this.totalTokens - this.tokensDone) * seconds) / this.tokensDone,
    });
  }
}
