import { Button, Card, Checkbox, Group, NativeSelect, Paper, Progress, SimpleGrid, Text } from '@mantine/core';
import { type FormEvent, useDeferredValue, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { downloadBlob, pngBlob } from '../blobUrls';
import { classCaption } from '../board';
import { addPngText } from '../pngText';
import { generationPaths, MAX_BATCH, type Settings, settingsToUrl } from '../settings';
import { useApp } from '../store';
import { ClassPicker } from './ClassPicker';
import { ClassTiles } from './ClassTiles';
import { DECODER_HELP, DECODER_NAMES } from './decoders';
import { PageIntro } from './PageIntro';
import { RgbaCanvas } from './RgbaCanvas';
import { SETTING_HELP, SettingField } from './SettingField';
import { TokenGrid } from './TokenGrid';

/** The stage-1 sampling settings, each a slider with a box (guidance is added where it applies). */
function samplingFields(codebookSize: number) {
  return [
    {
      key: 'temperature',
      label: 'Temperature',
      help: SETTING_HELP.temperature,
      min: 0,
      max: 10,
      sliderMax: 2,
      step: 0.05,
    },
    { key: 'topK', label: 'Top-k', help: SETTING_HELP.topK, min: 0, max: codebookSize, step: 1 },
    { key: 'topP', label: 'Top-p', help: SETTING_HELP.topP, min: 0.01, max: 1, step: 0.01 },
  ] as const;
}

/** A checkbox whose whole row is a touch target at least 44 px tall. */
function TouchCheckbox(props: { label: string; title: string; checked: boolean; onChange(on: boolean): void }) {
  return (
    <Checkbox
      wrapperProps={{ 'data-tap-target': true }}
      mih={44}
      styles={{ body: { alignItems: 'center', minHeight: 44 } }}
      label={props.label}
      title={props.title}
      checked={props.checked}
      onChange={(e) => props.onChange(e.currentTarget.checked)}
    />
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
  // deferred: the form and gallery first render in a transition, which React splits into short
  // tasks, so the page stays responsive in the moment the pack arrives
  const ready = useDeferredValue(useApp((s) => s.pack !== null && s.settings !== null));
  return (
    <section aria-labelledby="generate-title">
      <PageIntro id="generate-title" title="Generate">
        Pick a class and press Generate: a GPT writes the image as a grid of tokens, one at a time, each a number
        standing for a kind of patch; a decoder then paints the grid into pixels.
      </PageIntro>
      {ready && (
        <>
          <GenerateForm />
          <GenerationProgress />
          <Gallery />
        </>
      )}
    </section>
  );
}

export function GenerateForm() {
  const { pack, settings, busy, running, update, generate, stop, sideBySide, setSideBySide } = useApp(
    useShallow((s) => ({
      pack: s.pack,
      settings: s.settings,
      sideBySide: s.sideBySide,
      setSideBySide: s.setSideBySide,
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
    <Paper
      component="form"
      withBorder
      p="md"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (!seedLocked) update({ seed: randomSeed() });
        void generate();
      }}
    >
      <Group align="end" gap="md" wrap="wrap">
        <ClassPicker
          classes={m.classes ?? []}
          value={settings.classId}
          onChange={(classId) => update({ classId })}
          unconditional={!noClassDropout}
        />
        <NativeSelect
          label="Decoder"
          value={settings.decoder}
          onChange={(e) => update({ decoder: e.currentTarget.value as Settings['decoder'] })}
          data={generationPaths(m).map((d) => ({ value: d, label: DECODER_NAMES[d] ?? d }))}
          size="md"
          description={DECODER_HELP[settings.decoder]}
          maw={340}
        />
        {generationPaths(m).includes('vq-gpt') && settings.decoder !== 'vq-gpt' && (
          <TouchCheckbox
            label="Side by side with VQ tokens (the paper's baseline)"
            title="each image also through the same GPT trained on VQ tokens instead of DiGIT's"
            checked={sideBySide}
            onChange={setSideBySide}
          />
        )}
      </Group>
      {m.classes && pack.classImages && (
        <ClassTiles
          classes={m.classes}
          images={pack.classImages}
          value={settings.classId}
          onChange={(classId) => update({ classId })}
        />
      )}
      <Group align="end" gap="md" wrap="wrap" mt="md">
        <SettingField
          label="Seed"
          help={SETTING_HELP.seed}
          value={settings.seed}
          min={0}
          max={0xffffffff}
          step={1}
          onChange={(seed) => update({ seed })}
        />
        <Button
          variant="default"
          h={44}
          aria-label="random seed"
          title="random seed"
          onClick={() => update({ seed: randomSeed() })}
        >
          Random
        </Button>
        <TouchCheckbox
          label="lock seed"
          title="unlocked: every Generate draws a new seed"
          checked={seedLocked}
          onChange={setSeedLocked}
        />
        <SettingField
          label="Batch"
          help={SETTING_HELP.batch}
          value={settings.batch}
          min={1}
          max={maxBatch}
          step={1}
          onChange={(batch) => update({ batch })}
        />
        {maxBatch < MAX_BATCH && (
          <Text size="sm" c="dimmed" data-testid="batch-limit">
            Batch of {maxBatch} at most: {pack.batchLimit.why}.
          </Text>
        )}
      </Group>
      <Group align="end" gap="lg" wrap="wrap" mt="md">
        {samplingFields(m.codebook.size).map(({ key, ...field }) => (
          <SettingField key={key} {...field} value={settings[key]} slider onChange={(v) => update({ [key]: v })} />
        ))}
        {noClassDropout ? (
          <Text size="sm" c="dimmed" data-testid="no-guidance">
            No guidance or unconditional samples: this model was trained without class dropout.
          </Text>
        ) : (
          <SettingField
            label="Guidance"
            help={SETTING_HELP.guidance}
            value={settings.guidance}
            min={0}
            max={20}
            sliderMax={5}
            step={0.1}
            slider
            onChange={(guidance) => update({ guidance })}
          />
        )}
      </Group>
      <Group mt="lg" gap="sm">
        <Button type="submit" size="md" disabled={busy}>
          {busy ? 'Generating…' : 'Generate'}
        </Button>
        {busy && running && (
          <Button variant="default" size="md" onClick={stop}>
            Stop
          </Button>
        )}
      </Group>
    </Paper>
  );
}

function GenerationProgress() {
  const { progress, preview, cols } = useApp(
    useShallow((s) => ({ progress: s.progress, preview: s.preview, cols: s.pack?.manifest.grid.w ?? 1 })),
  );
  if (!progress) return null;
  return (
    <Paper withBorder p="md" mt="md">
      <Text role="status" size="sm">
        {progress.stage === 'stage1' ? 'DiGIT tokens' : 'VQ tokens'} {progress.done}/{progress.total}
        {' · '}
        {progress.tokensPerSecond.toFixed(0)} tokens/s · {progress.etaSeconds.toFixed(1)} s left
      </Text>
      <Progress value={(100 * progress.done) / Math.max(1, progress.total)} mt="xs" aria-hidden="true" />
      <div className="token-map">
        <figure>
          <TokenGrid tokens={progress.tokens[0]} cols={cols} testId="live-tokens" displaySize={192} />
          <figcaption>The first image&rsquo;s tokens so far</figcaption>
        </figure>
        {preview && (
          <figure>
            <RgbaCanvas image={preview} label="preview of the first image so far" testId="preview" displaySize={192} />
            <figcaption>Painted so far</figcaption>
          </figure>
        )}
      </div>
    </Paper>
  );
}

function Gallery() {
  const { samples, pin } = useApp(useShallow((s) => ({ samples: s.samples, pin: s.pin })));
  if (!samples.length) return null;
  return (
    <SimpleGrid
      component="ul"
      cols={{ base: 2, sm: 3, lg: 4 }}
      spacing="md"
      mt="md"
      className="sample-grid"
      aria-label="generated images"
    >
      {samples.map((s) => (
        <Card
          component="li"
          withBorder
          padding="sm"
          key={s.id}
          data-testid="sample"
          data-id={s.id}
          data-seed={s.settings.seed}
          data-tokens={s.tokens.join(',')}
        >
          {s.baseline ? (
            <SimpleGrid cols={2} spacing={6} data-testid="side-by-side">
              <figure style={{ margin: 0 }}>
                <RgbaCanvas
                  image={s.image}
                  testId={`sample-${s.id}`}
                  label={`sample, ${s.settings.pack}, seed ${s.settings.seed}, ${classCaption(s)}`}
                  fluid
                />
                <Text component="figcaption" size="xs" ta="center">
                  DiGIT tokens
                </Text>
              </figure>
              <figure style={{ margin: 0 }} data-testid="baseline" data-tokens={s.baseline.tokens.join(',')}>
                <RgbaCanvas
                  image={s.baseline.image}
                  label={`the same class and seed through the VQ-token GPT, ${classCaption(s)}`}
                  fluid
                />
                <Text component="figcaption" size="xs" ta="center">
                  VQ tokens
                </Text>
              </figure>
            </SimpleGrid>
          ) : (
            <RgbaCanvas
              image={s.image}
              testId={`sample-${s.id}`}
              label={`sample, ${s.settings.pack}, seed ${s.settings.seed}, ${classCaption(s)}`}
              fluid
            />
          )}
          <Text component="small" size="sm" mt="xs">
            seed {s.settings.seed} · {classCaption(s)}
          </Text>
          <Group gap="xs" mt="xs">
            <Button
              variant="default"
              size="xs"
              h={{ base: 44, sm: 36 }}
              onClick={() => savePng(`sample-${s.id}`, `${s.settings.pack}-seed${s.settings.seed}.png`, s.settings)}
            >
              Save PNG
            </Button>
            <Button variant="light" size="xs" h={{ base: 44, sm: 36 }} onClick={() => pin(s)}>
              Pin
            </Button>
          </Group>
        </Card>
      ))}
    </SimpleGrid>
  );
}
