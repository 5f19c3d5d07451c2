import { useShallow } from 'zustand/react/shallow';
import { type PackCard, useApp } from '../store';

function cacheState([cached, total]: PackCard['cached']) {
  if (cached === total) return 'in the browser cache';
  return cached === 0 ? 'not downloaded yet' : `partly cached (${cached} of ${total} files)`;
}

/** Every listed pack: what it is, its licence, size and quality, and whether it is cached. */
export function PackCards() {
  const { packs, cards, settings, busy, loadPack, clearPackCache } = useApp(
    useShallow((s) => ({
      packs: s.packs,
      cards: s.cards,
      settings: s.settings,
      busy: s.busy,
      loadPack: s.loadPack,
      clearPackCache: s.clearPackCache,
    })),
  );
  return (
    <details className="pack-cards">
      <summary>All packs</summary>
      <ul>
        {packs.map((ref) => {
          const card = cards[ref.id];
          return (
            <li key={ref.id} data-testid="pack-card" data-pack={ref.id}>
              {typeof card === 'string' && (
                <span>
                  {ref.id}: {card}
                </span>
              )}
              {card === undefined && <span>{ref.id}: reading…</span>}
              {card && typeof card !== 'string' && (
                <>
                  <strong>{card.title}</strong> <code>{ref.id}</code>
                  <small>
                    {card.megabytes.toFixed(1)} MB · {card.cas !== null ? `CAS ${card.cas.toFixed(2)} · ` : ''}
                    <span data-testid="cache-state">{cacheState(card.cached)}</span> · {card.license}
                  </small>
                </>
              )}
              <button
                type="button"
                disabled={busy || settings?.pack === ref.id}
                onClick={() => loadPack(ref.id, settings?.backend ?? 'auto')}
              >
                {settings?.pack === ref.id ? 'In use' : 'Use'}
              </button>
            </li>
          );
        })}
      </ul>
      <button type="button" onClick={() => void clearPackCache()}>
        Clear the pack cache
      </button>
    </details>
  );
}
