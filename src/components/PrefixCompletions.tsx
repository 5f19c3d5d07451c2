import { Button, NativeSelect, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { type CompletionRow, useApp } from '../store';
import { RgbaCanvas } from './RgbaCanvas';

const COMPLETIONS = 4;
/** Noise levels offered for the kept rows (SNR in dB; the stability lab's scale). */
const NOISE_DB = [20, 10, 5, 0];

function Row({
  row,
  label,
  rows,
  keptTokens,
  noisy,
  testId,
}: {
  row: CompletionRow;
  label: string;
  rows: number;
  keptTokens: number;
  noisy: boolean;
  testId: string;
}) {
  return (
    <div>
      <Text size="sm" fw={600}>
        {label}
        {noisy && `: the noise changed ${row.prefixChanged} of the ${keptTokens} kept tokens`}
      </Text>
      <div className="completions" data-testid={testId} data-changed={row.prefixChanged} data-rows={rows}>
        {row.images.map((img, i) => (
          <figure
            key={i}
            data-testid={`${testId === 'completions' ? '' : 'vq-'}completion`}
            data-tokens={row.tokens[i].join(',')}
          >
            <RgbaCanvas image={img} label={`${label}, completion ${i + 1}`} displaySize={96} />
          </figure>
        ))}
      </div>
    </div>
  );
}

/** Samples that keep the token map's first rows: what the GPT makes of a beginning. With noise on
 *  the kept rows, the same for DiGIT's tokens and the VQ baseline's side by side (paper Fig. 4b):
 *  noise flips fewer DiGIT tokens, so its completions stay closer to the picture. */
export function PrefixCompletions({ gridRows, gridCols }: { gridRows: number; gridCols: number }) {
  const { tokenMap, busy, completeFromPrefix, hasVq } = useApp(
    useShallow((s) => ({
      tokenMap: s.tokenMap,
      busy: s.busy,
      completeFromPrefix: s.completeFromPrefix,
      hasVq: Boolean(s.pack && 'vq_encoder' in s.pack.manifest.graphs && 'vq_stage1' in s.pack.manifest.graphs),
    })),
  );
  const [rows, setRows] = useState(2);
  const [noise, setNoise] = useState('none');
  const keep = Math.min(rows, gridRows - 1);
  const done = tokenMap?.completions;
  return (
    <>
      <Title order={3} size="h4" mt="lg">
        Complete from a prefix
      </Title>
      <form
        className="prefix-form"
        onSubmit={(e) => {
          e.preventDefault();
          void completeFromPrefix(keep, COMPLETIONS, noise === 'none' ? null : Number(noise));
        }}
      >
        <label>
          Keep the first {keep} of {gridRows} rows
          <input
            type="range"
            min={0}
            max={gridRows - 1}
            value={keep}
            onChange={(e) => setRows(e.target.valueAsNumber)}
          />
        </label>
        <NativeSelect
          label="Noise on the image before its rows are read"
          data-testid="prefix-noise"
          value={noise}
          onChange={(e) => setNoise(e.currentTarget.value)}
          data={[
            { value: 'none', label: 'none' },
            ...NOISE_DB.map((db) => ({ value: `${db}`, label: `${db} dB SNR` })),
          ]}
        />
        <Button type="submit" disabled={busy}>
          Complete ×{COMPLETIONS}
        </Button>
      </form>
      {hasVq && (
        <Text size="sm" c="dimmed">
          Also completes from the VQ encoder's rows with the VQ-token GPT (the paper's baseline), so a noisy start can
          be compared: the paper reports DiGIT's tokens change far less under noise, and its completions follow.
        </Text>
      )}
      {done && (
        <div data-testid="prefix-result" data-rows={done.rows} data-noise={done.noiseDb ?? 'none'}>
          {(
            [
              ['DiGIT tokens', done.digit, 'completions'],
              ['VQ tokens', done.vq, 'vq-completions'],
            ] as const
          ).map(
            ([label, row, testId]) =>
              row && (
                <Row
                  key={testId}
                  row={row}
                  label={label}
                  rows={done.rows}
                  keptTokens={done.rows * gridCols}
                  noisy={done.noiseDb !== null}
                  testId={testId}
                />
              ),
          )}
        </div>
      )}
    </>
  );
}
