import { Alert, Button, Group, NativeSelect, NumberInput, Paper, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { PackManifest } from '../../workers/protocol';
import { downloadBlob } from '../blobUrls';
import { boardToJson, classCaption, type Pin, SWEEP_SETTINGS, type Sweep, type SweepSetting } from '../board';
import { renderBoard } from '../boardImage';
import { generationPaths, type Settings } from '../settings';
import { useApp } from '../store';
import { PageIntro } from './PageIntro';
import { RgbaCanvas } from './RgbaCanvas';

/** "0.5, 1, 1.5" -> the values of `setting`, or an error naming the bad one. */
function parseValues(
  setting: SweepSetting,
  text: string,
  m: PackManifest,
  packIds: string[],
): Settings[SweepSetting][] | string {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return 'give at least one value';
  const out: Settings[SweepSetting][] = [];
  for (const part of parts) {
    if (setting === 'pack') {
      if (!packIds.includes(part)) return `'${part}' is not a listed pack (${packIds.join(', ')})`;
      out.push(part);
    } else if (setting === 'decoder') {
      if (!generationPaths(m).includes(part as 'direct'))
        return `'${part}' is not a decoder of this pack (${generationPaths(m).join(', ')})`;
      out.push(part as Settings['decoder']);
    } else if (setting === 'classId') {
      const index = m.classes?.indexOf(part) ?? -1;
      const n = index >= 0 ? index : Number(part);
      if (!Number.isInteger(n) || n < 0 || n >= (m.classes?.length ?? 0))
        return `'${part}' is not a class of this pack`;
      out.push(n);
    } else {
      const n = Number(part);
      if (!Number.isFinite(n) || n < 0) return `'${part}' is not a number ≥ 0`;
      out.push(n);
    }
  }
  return out;
}

const caption = (p: Pin) => {
  const s = p.settings;
  return (
    `${s.pack} · seed ${s.seed} · ${classCaption(p)} · T ${s.temperature} · ` +
    `top-k ${s.topK} · top-p ${s.topP} · cfg ${s.guidance} · ${s.decoder}`
  );
};

/** A class sweep's column header: the class name its cells were made with. */
const columnClass = (s: Sweep, column: number) => {
  const cell = s.cells.find((row) => row[column])?.[column];
  return cell ? classCaption(cell) : `class ${s.values[column]}`;
};

/** What the Sweep picker offers: a setting, or 'tokenizer' (DiGIT's tokens against the VQ
 *  baseline's: the pack's decoder and 'vq-gpt', swept as decoders). */
type SweepChoice = SweepSetting | 'tokenizer';
const TOKENIZER_VALUES = 'DiGIT, VQ (baseline)';

/** The sweep form, kept while the user visits other pages. */
const useSweepForm = create<{
  setting: SweepChoice;
  values: string;
  rows: number;
  set(part: Partial<{ setting: SweepChoice; values: string; rows: number }>): void;
}>((set) => ({ setting: 'temperature', values: '0.5, 1, 1.5', rows: 2, set }));

/** Pinned samples and sweeps, side by side; kept across reloads, exported as PNG or JSON. */
export function ComparePanel() {
  const {
    pack,
    packs,
    settings,
    board,
    boardSaving,
    busy,
    unpin,
    clearBoard,
    sweep,
    sweeping,
    removeSweep,
    importBoard,
  } = useApp(
    useShallow((s) => ({
      pack: s.pack,
      settings: s.settings,
      packs: s.packs,
      board: s.board,
      boardSaving: s.boardSaving,
      busy: s.busy,
      unpin: s.unpin,
      clearBoard: s.clearBoard,
      sweep: s.sweep,
      sweeping: s.sweeping,
      removeSweep: s.removeSweep,
      importBoard: s.importBoard,
    })),
  );
  const { setting, values, rows, set: setForm } = useSweepForm();
  const setSetting = (v: SweepChoice) =>
    setForm(v === 'tokenizer' ? { setting: v, values: TOKENIZER_VALUES } : { setting: v });
  const setValues = (v: string) => setForm({ values: v });
  const setRows = (v: number) => setForm({ rows: v });
  const [problem, setProblem] = useState<string | null>(null);
  const intro = (
    <PageIntro id="compare-title" title="Compare">
      Pin samples from Generate to keep them side by side, or sweep one setting across columns with the same seeds down
      the rows, to see what that setting does.
    </PageIntro>
  );
  if (!pack) return <section aria-labelledby="compare-title">{intro}</section>;
  const m = pack.manifest;
  return (
    <section aria-labelledby="compare-title">
      {intro}
      <Paper
        component="form"
        withBorder
        p="md"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (setting === 'tokenizer') {
            const digit = settings?.decoder !== 'vq-gpt' ? settings!.decoder : m.decoders[0];
            setProblem(null);
            void sweep('decoder', [digit, 'vq-gpt'], rows);
            return;
          }
          const parsed = parseValues(
            setting,
            values,
            m,
            packs.map((p) => p.id),
          );
          if (typeof parsed === 'string') return setProblem(parsed);
          setProblem(null);
          void sweep(setting, parsed, rows);
        }}
      >
        <Group align="end" gap="md" wrap="wrap">
          <NativeSelect
            label="Sweep"
            size="md"
            value={setting}
            onChange={(e) => setSetting(e.currentTarget.value as SweepChoice)}
            data={[
              ...SWEEP_SETTINGS,
              ...(generationPaths(m).includes('vq-gpt')
                ? [{ value: 'tokenizer', label: 'tokenizer: DiGIT vs VQ' }]
                : []),
            ]}
          />
          <TextInput
            label="Values (comma-separated)"
            size="md"
            readOnly={setting === 'tokenizer'}
            value={values}
            onChange={(e) => setValues(e.currentTarget.value)}
            aria-invalid={problem !== null}
          />
          <NumberInput
            label="Seeds (rows)"
            size="md"
            w={130}
            min={1}
            max={8}
            allowDecimal={false}
            value={rows}
            onChange={(v) => {
              const n = Number(v);
              if (Number.isInteger(n) && n >= 1 && n <= 8) setRows(n);
            }}
          />
          <Button type="submit" size="md" disabled={busy}>
            Run sweep
          </Button>
        </Group>
      </Paper>
      {problem && (
        <Alert color="red" role="alert" mt="sm" data-testid="sweep-problem">
          {problem}
        </Alert>
      )}
      <Group gap="sm" mt="md" wrap="wrap">
        <Button
          variant="default"
          disabled={!board.pins.length && !board.sweeps.length}
          onClick={() => renderBoard(board).toBlob((b) => b && downloadBlob('digit-board.png', b))}
        >
          Export PNG
        </Button>
        <Button
          variant="default"
          onClick={() =>
            downloadBlob('digit-board.json', new Blob([boardToJson(board)], { type: 'application/json' }))
          }
        >
          Export JSON
        </Button>
        <label className="file-button">
          Import JSON
          <input
            type="file"
            accept="application/json,.json"
            data-testid="board-import"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void importBoard(f);
              e.target.value = '';
            }}
          />
        </label>
        <Button
          variant="default"
          color="red"
          onClick={clearBoard}
          disabled={!board.pins.length && !board.sweeps.length}
        >
          Clear board
        </Button>
        <Text size="sm" c="dimmed" role="status" data-testid="board-saved" data-saved={boardSaving ? 'no' : 'yes'}>
          {boardSaving ? 'Saving the board…' : 'Board kept in this browser'}
        </Text>
      </Group>
      <ul className="gallery" aria-label="pinned samples" data-testid="pins">
        {board.pins.map((p) => (
          <li key={p.id} data-testid="pin" data-tokens={p.tokens.join(',')}>
            <RgbaCanvas image={p.image} label={`pinned sample, ${caption(p)}`} displaySize={128} />
            <small>{caption(p)}</small>
            <button type="button" onClick={() => unpin(p.id)}>
              Unpin
            </button>
          </li>
        ))}
      </ul>
      {board.sweeps.map((s) => (
        <table key={s.id} className="sweep" data-testid="sweep">
          <caption>
            {s.setting} across, seeds down{s.setting === 'pack' ? " (unconditional, each pack's decoder)" : ''}
            {sweeping !== s.id && s.cells.some((row) => row.includes(null)) && (
              <span data-testid="sweep-interrupted"> — interrupted before it finished (— marks a missing image)</span>
            )}{' '}
            <button type="button" onClick={() => removeSweep(s.id)} disabled={sweeping === s.id}>
              Remove this sweep
            </button>
          </caption>
          <thead>
            <tr>
              <th scope="col">seed</th>
              {s.values.map((v, c) => (
                <th key={String(v)} scope="col">
                  {s.setting === 'classId' ? columnClass(s, c) : String(v)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {s.cells.map((row, r) => (
              <tr key={s.seeds[r]}>
                <th scope="row">{s.seeds[r]}</th>
                {row.map((done, c) => (
                  <td key={c} data-testid="sweep-cell" data-filled={done ? 'yes' : 'no'}>
                    {done ? (
                      <RgbaCanvas image={done.image} label={caption(done)} displaySize={80} />
                    ) : sweeping === s.id ? (
                      '…'
                    ) : (
                      '—'
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}
