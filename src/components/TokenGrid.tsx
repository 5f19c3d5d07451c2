import { type KeyboardEvent, useState } from 'react';
import { tokenColor, tokenTextColor } from '../palette';

interface Props {
  tokens: number[];
  distance?: number[];
  /** Second-nearest centroid per cell, and its distance. */
  runnerUp?: { tokens: number[]; distance: number[] };
  cols: number;
  displaySize?: number;
  testId?: string;
  /** Outline every cell holding this token and dim the rest. */
  selected?: number | null;
  /** Cells to flag (the stability lab: cells whose token changed). */
  flagged?: boolean[];
  onSelect?: (token: number | null) => void;
}

/** Where an arrow, Home or End key moves the focus from cell `i`; null for other keys. */
export function nextCell(key: string, i: number, cols: number, count: number): number | null {
  const moves: Record<string, number> = {
    ArrowLeft: i - 1,
    ArrowRight: i + 1,
    ArrowUp: i - cols,
    ArrowDown: i + cols,
    Home: i - (i % cols),
    End: i - (i % cols) + cols - 1,
  };
  return key in moves ? Math.min(count - 1, Math.max(0, moves[key])) : null;
}

/** The DiGIT token grid: one coloured cell per token, with its id; hover a cell to see every
 *  cell with the same token (and details), click (when `onSelect` is given) to pick a token. With the keyboard the grid is one tab stop: the
 *  arrow keys move between cells, Enter or Space picks. */
export function TokenGrid({
  tokens,
  distance,
  runnerUp,
  cols,
  displaySize = 192,
  testId,
  selected = null,
  onSelect,
  flagged,
}: Props) {
  const cell = displaySize / cols;
  const [focused, setFocused] = useState(0);
  const [hovered, setHovered] = useState<number | null>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLSpanElement>, i: number, t: number) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect!(t === selected ? null : t);
      return;
    }
    const next = nextCell(e.key, i, cols, tokens.length);
    if (next === null) return;
    e.preventDefault();
    setFocused(next);
    e.currentTarget.closest('[role=grid]')!.querySelectorAll<HTMLElement>('[role=gridcell]')[next].focus();
  };
  // An ARIA grid (one tab stop, arrow keys) laid out by CSS grid: a <table> could not wrap the
  // cells to the image's width.
  return (
    // biome-ignore lint/a11y/useSemanticElements: see above
    <div
      className="token-grid"
      data-testid={testId}
      data-tokens={tokens.join(',')}
      role="grid"
      aria-label={`token grid, ${tokens.length} tokens`}
      style={{ gridTemplateColumns: `repeat(${cols}, ${cell}px)`, width: displaySize }}
    >
      {Array.from({ length: Math.ceil(tokens.length / cols) }, (_, row) => (
        // rows of the ARIA grid (the cells take the focus, as the grid pattern has it); `display:
        // contents` leaves the cells on the CSS grid
        // biome-ignore lint/a11y/useSemanticElements: a row of the ARIA grid above
        // biome-ignore lint/a11y/useFocusableInteractive: the cells, not the rows, are focusable
        <div role="row" className="token-row" key={row}>
          {tokens.slice(row * cols, (row + 1) * cols).map((t, col) => {
            const i = row * cols + col;
            const label =
              `row ${row}, col ${col}: token ${t}` +
              (distance ? `, distance ${distance[i].toFixed(3)}` : '') +
              (runnerUp ? `; runner-up token ${runnerUp.tokens[i]} at ${runnerUp.distance[i].toFixed(3)}` : '');
            const hover = hovered !== null && t === hovered ? 'same' : '';
            const pick = selected !== null ? (t === selected ? 'picked' : 'dim') : hover;
            const state = flagged?.[i] ? 'flagged' : pick;
            return (
              // biome-ignore lint/a11y/useSemanticElements: a cell of the ARIA grid above
              <span
                key={i}
                role="gridcell"
                className={state}
                title={label}
                aria-label={label}
                aria-selected={selected === null ? undefined : t === selected}
                tabIndex={onSelect ? (i === Math.min(focused, tokens.length - 1) ? 0 : -1) : undefined}
                onClick={
                  onSelect &&
                  (() => {
                    setFocused(i);
                    onSelect(t === selected ? null : t);
                  })
                }
                onKeyDown={onSelect && ((e) => onKeyDown(e, i, t))}
                onMouseEnter={() => setHovered(t)}
                onMouseLeave={() => setHovered(null)}
                style={{
                  background: tokenColor(t),
                  color: tokenTextColor(t),
                  height: cell,
                  fontSize: Math.min(12, cell / 2.5),
                }}
              >
                {cell >= 14 && state !== 'dim' ? t : ''}
              </span>
            );
          })}
        </div>
      ))}
    </div>
  );
}
