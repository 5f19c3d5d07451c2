import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { downloadBlob, pngBlob } from '../blobUrls';
import { classCaption } from '../board';
import { addPngText } from '../pngText';
import { MAX_BATCH, type Settings, settingsToUrl } from '../settings';
import { useApp } from '../store';
import { ClassPicker } from './ClassPicker';
import { RgbaCanvas } from './RgbaCanvas';
import { TokenGrid } from './TokenGrid';

function NumberField({
  label,
  value,
  min,
  max,
  step,
  onChange,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange(v: number): void;
}) {
  return (
    <label>
      {label}
      <input
        type="number"
        value={value}
        min={min}
        max={max}
        step={step}
        onChange={(e) => {
          const v = e.target.valueAsNumber;
          if (Number.isFinite(v) && v >= min && v <= max) onChange(v);
        }}
      />
    </label>
  );
}

const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

/** Save a sample as PNG with its settings (and the link that reproduces it) in a text chunk. */
async function savePng(canvasId: string, name: string, settings: Settings) {
  const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${canvasId}"]`);
  if (!canvas) return;
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) return;
  const link = new URL(settingsToUrl(settings), location.href).href;
  const png = addPngText(
    new Uint8Array(await blob.arrayBuffer()),
    'digit-settings',
    JSON.stringify({ ...settings, link }),
  );
  downloadBlob(name, pngBlob(png));
}

/** The Generate page: the settings, the generation under way, and the samples so far. Each part
 *  reads only its own slice of the store, so a progress tick re-renders only the progress. */
export function GeneratePanel() {
  const ready = useApp((s) => s.pack !== null && s.settings !== null);
  if (!ready) return null;
  return (
    <section aria-labelledby="generate-title">
      <h2 id="generate-title">Generate</h2>
      <GenerateForm />
      <GenerationProgress />
      <Gallery />
    </section>
  );
}

export function GenerateForm() {
  const { pack, settings, busy, running, update, generate, stop } = useApp(
    useShallow((s) => ({
      pack: s.pack,
      settings: s.settings,
      busy: s.busy,
      running: s.progress !== null,
      update: s.update,
      generate: s.generate,
      stop: s.stop,
    })),
  );
  const [seedLocked, setSeedLocked] = useState(true);
  if (!pack || !settings) return null;
  const m = pack.manifest;
  const maxBatch = Math.min(MAX_BATCH, pack.batchLimit.max ?? MAX_BATCH);
  const noClassDropout = m.class_dropout === false && m.classes !== null;
  return (
    <form
      className="controls"
      onSubmit={(e) => {
        e.preventDefault();
        if (!seedLocked) update({ seed: randomSeed() });
        void generate();
      }}
    >
      <ClassPicker
        classes={m.classes ?? []}
        value={settings.classId}
        onChange={(classId) => update({ classId })}
        unconditional={!noClassDropout}
      />
      <NumberField
        label="Seed"
        value={settings.seed}
        min={0}
        max={0xffffffff}
        step={1}
        onChange={(seed) => update({ seed })}
      />
      <button
        type="button"
        aria-label="random seed"
        title="random seed"
        onClick={() => update({ seed: randomSeed() })}
      >
        Random
      </button>
      <label title="unlocked: every Generate draws a new seed">
        <input type="checkbox" checked={seedLocked} onChange={(e) => setSeedLocked(e.target.checked)} />
        lock seed
      </label>
      <NumberField
        label="Batch"
        value={settings.batch}
        min={1}
        max={maxBatch}
        step={1}
        onChange={(batch) => update({ batch })}
      />
      {maxBatch < MAX_BATCH && (
        <small data-testid="batch-limit">
          Batch of {maxBatch} at most: {pack.batchLimit.why}.
        </small>
      )}
      <NumberField
        label="Temperature"
        value={settings.temperature}
        min={0}
        max={10}
        step={0.05}
        onChange={(temperature) => update({ temperature })}
      />
      <NumberField
        label="Top-k"
        value={settings.topK}
        min={0}
        max={m.codebook.size}
        step={1}
        onChange={(topK) => update({ topK })}
      />
      <NumberField
        label="Top-p"
        value={settings.topP}
        min={0.01}
        max={1}
        step={0.01}
        onChange={(topP) => update({ topP })}
      />
      {noClassDropout ? (
        <small data-testid="no-guidance">
          No guidance or unconditional samples: this model was trained without class dropout.
        </small>
      ) : (
        <NumberField
          label="Guidance"
          value={settings.guidance}
          min={0}
          max={20}
          step={0.1}
          onChange={(guidance) => update({ guidance })}
        />
      )}
      <label>
        Decoder
        <select value={settings.decoder} onChange={(e) => update({ decoder: e.target.value as 'ar-vq' | 'direct' })}>
          {m.decoders.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Generating…' : 'Generate'}
      </button>
      {busy && running && (
        <button type="button" onClick={stop}>
          Stop
        </button>
      )}
    </form>
  );
}

function GenerationProgress() {
  const { progress, preview, cols } = useApp(
    useShallow((s) => ({ progress: s.progress, preview: s.preview, cols: s.pack?.manifest.grid.w ?? 1 })),
  );
  if (!progress) return null;
  return (
    <>
      <p role="status">
        {progress.stage === 'stage1' ? 'DiGIT tokens' : 'VQ tokens'} {progress.done}/{progress.total}
        {' · '}
        {progress.tokensPerSecond.toFixed(0)} tokens/s · {progress.etaSeconds.toFixed(1)} s left
      </p>
      <div className="token-map">
        <TokenGrid tokens={progress.tokens[0]} cols={cols} testId="live-tokens" displaySize={128} />
        {preview && (
          <RgbaCanvas image={preview} label="preview of the first image so far" testId="preview" displaySize={128} />
        )}
      </div>
    </>
  );
}

function Gallery() {
  const { samples, pin } = useApp(useShallow((s) => ({ samples: s.samples, pin: s.pin })));
  return (
    <ul className="gallery" aria-label="generated images">
      {samples.map((s) => (
        <li key={s.id} data-testid="sample" data-seed={s.settings.seed} data-tokens={s.tokens.join(',')}>
          <RgbaCanvas
            image={s.image}
            testId={`sample-${s.id}`}
            label={`sample, ${s.settings.pack}, seed ${s.settings.seed}, ${classCaption(s)}`}
          />
          <small>
            seed {s.settings.seed} · {classCaption(s)}
          </small>
          <button
            type="button"
            onClick={() => savePng(`sample-${s.id}`, `${s.settings.pack}-seed${s.settings.seed}.png`, s.settings)}
          >
            Save PNG
          </button>
          <button type="button" onClick={() => pin(s)}>
            Pin
          </button>
        </li>
      ))}
    </ul>
  );
}
