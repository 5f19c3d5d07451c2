// What a token stands for: the training patches nearest its centroid, cut from the pack's
// exemplar atlas (a sprite; row k holds token k's tiles, the token's own cell in the middle).
import { useMemo } from 'react';
import type { ExemplarsEntry } from '../../workers/protocol';
import { usePngUrls } from '../blobUrls';

const SHOWN_PX = 72;

export function TokenExemplars({
  token,
  atlas,
  entry,
}: {
  token: number;
  atlas: Uint8Array | null;
  entry?: ExemplarsEntry;
}) {
  const [url] = usePngUrls(useMemo(() => (atlas ? [atlas] : []), [atlas]));
  if (!entry || !url) return null;
  const count = entry.counts[token] ?? 0;
  const scale = SHOWN_PX / entry.tile;
  const inset = (SHOWN_PX * (entry.tile - entry.cell)) / 2 / entry.tile;
  return (
    <figure className="exemplars" data-testid="exemplars" data-count={count}>
      <figcaption>
        {count
          ? `Training patches nearest token ${token}'s centroid (outlined: the token's cell)`
          : `No training patch fell on token ${token}`}
      </figcaption>
      <div>
        {Array.from({ length: count }, (_, j) => (
          <span
            key={j}
            role="img"
            aria-label={`training patch ${j + 1} of token ${token}`}
            className="exemplar"
            style={{
              width: SHOWN_PX,
              height: SHOWN_PX,
              backgroundImage: `url(${url})`,
              backgroundSize: `${entry.per_token * SHOWN_PX}px auto`,
              backgroundPosition: `${-j * entry.tile * scale}px ${-token * entry.tile * scale}px`,
              ['--inset' as string]: `${inset}px`,
            }}
          />
        ))}
      </div>
    </figure>
  );
}
