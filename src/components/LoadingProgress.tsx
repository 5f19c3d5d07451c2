// The pack being read: one bar for the whole pack, bytes and files, what came from the cache,
// and a word when the network has stopped sending.
import { useEffect, useState } from 'react';
import { useApp } from '../store';

const STALLED_MS = 5000;
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export function LoadingProgress() {
  const loading = useApp((s) => s.loading);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!loading) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [loading]);
  if (!loading) return null;
  const { bytesDone, bytes, filesDone, files, fromCache, movedAt } = loading;
  const quiet = now - movedAt;
  return (
    <div className="loading" role="status" data-testid="loading" data-bytes-done={bytesDone}>
      <progress value={bytesDone} max={bytes || 1} aria-label="pack loaded so far" />{' '}
      {files === 0
        ? 'Reading the pack description…'
        : `Loading the pack: ${mb(bytesDone)} of ${mb(bytes)} MB, ${filesDone} of ${files} files` +
          (fromCache ? ` (${fromCache} from this browser's cache)` : '')}
      {files > 0 && bytesDone < bytes && quiet > STALLED_MS && (
        <span data-testid="stalled">
          {' '}
          — no data for {Math.round(quiet / 1000)} s: the network seems stalled; it keeps trying.
        </span>
      )}
    </div>
  );
}
