import { useState } from 'react';
import { useApp } from '../store';
import { RgbaCanvas } from './RgbaCanvas';
import { TokenGrid } from './TokenGrid';

/** Drop or pick an image; see its DiGIT token grid next to it. */
export function TokenMapPanel() {
  const { pack, tokenMap, tokenizeFile } = useApp();
  const [over, setOver] = useState(false);
  if (!pack) return null;
  const m = pack.manifest;
  const first = (files: FileList | null) => files && files.length > 0 && tokenizeFile(files[0]);
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">Token map</h2>
      <label className={`drop-zone${over ? ' over' : ''}`} data-testid="drop-zone"
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => { e.preventDefault(); setOver(false); first(e.dataTransfer.files); }}>
        Drop an image here, or click to choose one (PNG, JPEG, WebP, GIF).
        It is cropped to a square and resized to {m.image.size}×{m.image.size}.
        <input type="file" accept="image/*" data-testid="file-input" onChange={(e) => { first(e.target.files); e.target.value = ''; }} />
      </label>
      {tokenMap && (
        <div className="token-map">
          <RgbaCanvas image={tokenMap.image} label="input image, as the encoder sees it" testId="token-input" />
          <TokenGrid tokens={tokenMap.map.tokens} distance={tokenMap.map.distance} cols={m.grid.w} testId="token-map" />
        </div>
      )}
    </section>
  );
}
