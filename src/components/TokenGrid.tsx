import { tokenColor } from '../palette';

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
  onSelect?: (token: number | null) => void;
}

/** The DiGIT token grid: one coloured cell per token, with its id; hover for details, click
 *  (when `onSelect` is given) to pick a token. */
export function TokenGrid({ tokens, distance, runnerUp, cols, displaySize = 192, testId, selected = null, onSelect }: Props) {
  const cell = displaySize / cols;
  return (
    <div className="token-grid" data-testid={testId} data-tokens={tokens.join(',')}
      role="grid" aria-label={`token grid, ${tokens.length} tokens`}
      style={{ gridTemplateColumns: `repeat(${cols}, ${cell}px)`, width: displaySize }}>
      {tokens.map((t, i) => {
        const label = `row ${Math.floor(i / cols)}, col ${i % cols}: token ${t}` +
          (distance ? `, distance ${distance[i].toFixed(3)}` : '') +
          (runnerUp ? `; runner-up token ${runnerUp.tokens[i]} at ${runnerUp.distance[i].toFixed(3)}` : '');
        const state = selected === null ? '' : t === selected ? 'picked' : 'dim';
        return (
          <span key={i} role="gridcell" className={state} title={label} aria-label={label}
            aria-selected={selected === null ? undefined : t === selected}
            tabIndex={onSelect ? 0 : undefined}
            onClick={onSelect && (() => onSelect(t === selected ? null : t))}
            onKeyDown={onSelect && ((e) => (e.key === 'Enter' || e.key === ' ') && onSelect(t === selected ? null : t))}
            style={{ background: tokenColor(t), height: cell, fontSize: Math.min(12, cell / 2.5) }}>
            {cell >= 14 ? t : ''}
          </span>
        );
      })}
    </div>
  );
}
