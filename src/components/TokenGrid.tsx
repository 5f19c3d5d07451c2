import { tokenColor } from '../palette';

interface Props {
  tokens: number[];
  distance?: number[];
  cols: number;
  displaySize?: number;
  testId?: string;
}

/** The DiGIT token grid: one coloured cell per token, with its id; hover for details. */
export function TokenGrid({ tokens, distance, cols, displaySize = 192, testId }: Props) {
  const cell = displaySize / cols;
  return (
    <div className="token-grid" data-testid={testId} data-tokens={tokens.join(',')}
      role="grid" aria-label={`token grid, ${tokens.length} tokens`}
      style={{ gridTemplateColumns: `repeat(${cols}, ${cell}px)`, width: displaySize }}>
      {tokens.map((t, i) => (
        <span key={i} role="gridcell" style={{ background: tokenColor(t), height: cell, fontSize: Math.min(12, cell / 2.5) }}
          title={`row ${Math.floor(i / cols)}, col ${i % cols}: token ${t}` +
            (distance ? `, distance ${distance[i].toFixed(3)}` : '')}>
          {cell >= 14 ? t : ''}
        </span>
      ))}
    </div>
  );
}
