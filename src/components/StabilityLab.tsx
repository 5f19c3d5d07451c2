// The stability lab (paper Table 1, on your own image): disturb the image and watch which cells
// of each tokenizer's grid change. DiGIT's tokens come from an encoder that learned to tell
// images apart, so they should hold still where a VQ autoencoder's codes flip.
import { Group, Paper, SegmentedControl, Slider, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { Perturbation, RgbaImage } from '../../workers/protocol';
import { callWorker } from '../engineClient';
import { TokenGrid } from './TokenGrid';

/** JPEG qualities, from barely touched to blocky. */
const JPEG_QUALITIES = [95, 80, 60, 40, 20, 10, 5];
/** The SNRs of the paper's Table 1 (dB), from barely touched to mostly noise. */
export const SNRS_DB = [30, 25, 20, 15, 10, 5, 1, 0.01];
const KINDS = {
  noise: { label: 'Noise', stops: SNRS_DB.length, describe: (i: number) => `Gaussian noise at ${SNRS_DB[i]} dB SNR` },
  jpeg: {
    label: 'JPEG',
    stops: JPEG_QUALITIES.length,
    describe: (i: number) => `saved as JPEG at quality ${JPEG_QUALITIES[i]}`,
  },
  blur: { label: 'Blur', stops: 4, describe: (i: number) => `a box blur of radius ${i} px` },
  shift: { label: 'Shift', stops: 5, describe: (i: number) => `shifted by ${i} px right and down` },
} as const;
type Kind = keyof typeof KINDS;

export function perturbationOf(kind: Kind, level: number): Perturbation {
  if (kind === 'noise') return { kind, snrDb: SNRS_DB[level] };
  if (kind === 'jpeg') return { kind, quality: JPEG_QUALITIES[level] };
  return kind === 'blur' ? { kind, radius: level } : { kind, pixels: level };
}

interface Grids {
  digit: number[];
  vq: number[] | null;
}

const changed = (a: number[], b: number[]) => a.map((t, i) => t !== b[i]);
const count = (flags: boolean[]) => flags.filter(Boolean).length;

/** The worker runs one disturbance at a time; the latest setting wins, older ones are skipped. */
function useLatestTokens(image: RgbaImage, p: Perturbation): Grids | null {
  const [result, setResult] = useState<{ key: string; grids: Grids } | null>(null);
  const wanted = useRef('');
  const fetched = useRef({ image: null as RgbaImage | null, key: '' });
  const running = useRef(false);
  wanted.current = JSON.stringify(p);
  useEffect(() => {
    if (running.current) return; // the loop below picks the latest value up when it is done
    running.current = true;
    void (async () => {
      while (fetched.current.key !== wanted.current || fetched.current.image !== image) {
        const asked = wanted.current;
        fetched.current = { image, key: asked };
        const grids = await callWorker((w) => w.perturbedTokens(image, JSON.parse(asked), 0)).catch(() => null);
        if (grids && asked === wanted.current) setResult({ key: asked, grids });
      }
      running.current = false;
    })();
  });
  return result?.key === JSON.stringify(p) ? result.grids : null;
}

const DIGIT_COLOR = '#1971c2';
const VQ_COLOR = '#e8590c';

/** A short line in a curve's colour, for the caption (colour alone never carries a word). */
function Swatch({ color }: { color: string }) {
  return (
    <span
      aria-hidden="true"
      style={{ display: 'inline-block', width: 14, height: 3, background: color, verticalAlign: 'middle' }}
    />
  );
}

/** This image's change rate at each SNR of Table 1, beside the pack's measured one. */
function NoiseCurve({ image, base, card }: { image: RgbaImage; base: Grids; card: StabilityRow[] }) {
  const [rates, setRates] = useState<{ digit: number; vq: number | null }[] | null>(null);
  useEffect(() => {
    let live = true;
    setRates(null);
    void (async () => {
      const out = [];
      for (const snrDb of SNRS_DB) {
        const g = await callWorker((w) => w.perturbedTokens(image, { kind: 'noise', snrDb }, 0));
        out.push({
          digit: count(changed(g.digit, base.digit)) / base.digit.length,
          vq: g.vq && base.vq ? count(changed(g.vq, base.vq)) / base.vq.length : null,
        });
      }
      if (live) setRates(out);
    })().catch(() => undefined);
    return () => {
      live = false;
    };
  }, [image, base]);
  const w = 340;
  const h = 140;
  const x = (i: number) => 30 + (i * (w - 60)) / (SNRS_DB.length - 1);
  const y = (r: number) => h - 20 - r * (h - 30);
  const line = (values: (number | null)[]) =>
    values.map((v, i) => (v === null ? '' : `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`)).join(' ');
  return (
    <figure style={{ margin: 0 }} data-testid="stability-curve" data-rates={rates ? JSON.stringify(rates) : ''}>
      <svg
        width={w}
        height={h}
        role="img"
        aria-label="share of changed tokens against noise, this image and the pack's average"
      >
        <line x1={30} y1={y(0)} x2={w - 10} y2={y(0)} stroke="currentColor" opacity={0.3} />
        <line x1={30} y1={y(1)} x2={w - 10} y2={y(1)} stroke="currentColor" opacity={0.15} />
        <text x={0} y={y(1) + 4} fontSize={10} fill="currentColor">
          100%
        </text>
        <text x={8} y={y(0) + 4} fontSize={10} fill="currentColor">
          0%
        </text>
        {SNRS_DB.map((snr, i) => (
          <text key={snr} x={x(i) - 8} y={h - 4} fontSize={10} fill="currentColor">
            {snr}
          </text>
        ))}
        {card.length > 0 && (
          <>
            <path
              d={line(card.map((r) => r.digit_change_rate))}
              fill="none"
              stroke={DIGIT_COLOR}
              strokeDasharray="4 3"
            />
            <path d={line(card.map((r) => r.vq_change_rate))} fill="none" stroke={VQ_COLOR} strokeDasharray="4 3" />
          </>
        )}
        {rates && (
          <>
            <path d={line(rates.map((r) => r.digit))} fill="none" stroke={DIGIT_COLOR} strokeWidth={2} />
            <path d={line(rates.map((r) => r.vq))} fill="none" stroke={VQ_COLOR} strokeWidth={2} />
          </>
        )}
      </svg>
      <figcaption>
        <Text size="xs">
          Changed tokens against noise (SNR in dB; left: barely any noise): <Swatch color={DIGIT_COLOR} /> DiGIT,{' '}
          <Swatch color={VQ_COLOR} /> VQ; solid: this image{rates ? '' : ' (measuring…)'}, dashed: the pack&rsquo;s
          average over 1000 test images (its model card).
        </Text>
      </figcaption>
    </figure>
  );
}

export interface StabilityRow {
  snr_db: number;
  digit_change_rate: number;
  vq_change_rate: number;
}

export function StabilityLab({ image, cols, card }: { image: RgbaImage; cols: number; card: StabilityRow[] }) {
  const [kind, setKind] = useState<Kind>('noise');
  const [level, setLevel] = useState(4); // 10 dB
  const base = useLatestTokens(image, { kind: 'none' });
  const now = useLatestTokens(image, perturbationOf(kind, level));
  const k = KINDS[kind];
  const grid = (label: string, tokens: number[] | null, before: number[] | null | undefined, id: string) => {
    if (!tokens || !before) return null;
    const flips = changed(tokens, before);
    return (
      <Stack gap={4} data-testid={`stability-${id}`} data-changed={count(flips)}>
        <TokenGrid tokens={tokens} cols={cols} flagged={flips} displaySize={160} />
        <Text size="sm">
          {label}: <strong>{count(flips)}</strong> of {tokens.length} cells changed (
          {((100 * count(flips)) / tokens.length).toFixed(0)}%)
        </Text>
      </Stack>
    );
  };
  return (
    <Paper withBorder p="md" mt="lg" component="section" aria-labelledby="lab-title" id="stability-lab">
      <Title order={3} size="h4" id="lab-title">
        How stable are the tokens?
      </Title>
      <Text size="sm" maw={760} mt={4}>
        The paper&rsquo;s argument in one experiment: disturb the picture a little and see which tokens change
        (outlined in red). DiGIT&rsquo;s tokens describe what a patch shows, so they should hold still; a VQ
        autoencoder&rsquo;s codes describe its exact pixels, so they flip. Fewer flips make a steadier language for the
        GPT to learn.
      </Text>
      <Group mt="sm" gap="lg" align="end" wrap="wrap">
        <SegmentedControl
          aria-label="disturbance"
          value={kind}
          onChange={(v) => {
            setKind(v as Kind);
            setLevel(v === 'noise' ? 4 : 1);
          }}
          data={Object.entries(KINDS).map(([value, { label }]) => ({ value, label }))}
        />
        <Stack gap={2} miw={260}>
          <Text size="sm" id="lab-level">
            {k.describe(level)}
          </Text>
          <Slider
            thumbLabel="how much"
            min={0}
            max={k.stops - 1}
            step={1}
            value={level}
            onChange={setLevel}
            label={null}
            marks={Array.from({ length: k.stops }, (_, i) => ({ value: i }))}
          />
        </Stack>
      </Group>
      <Group
        mt="md"
        gap="xl"
        align="start"
        wrap="wrap"
        data-testid="stability-grids"
        data-setting={JSON.stringify(perturbationOf(kind, level))}
      >
        {now && base ? (
          <>
            {grid('DiGIT tokens', now.digit, base.digit, 'digit')}
            {grid('VQ tokens', now.vq, base.vq, 'vq')}
          </>
        ) : (
          <Text c="dimmed">Tokenizing…</Text>
        )}
        {base && <NoiseCurve image={image} base={base} card={card} />}
      </Group>
      {base && !base.vq && (
        <Text size="sm" c="dimmed" mt="xs">
          This pack has no VQ encoder, so only DiGIT&rsquo;s tokens are shown.
        </Text>
      )}
    </Paper>
  );
}
