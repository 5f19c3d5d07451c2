// Held-out images shipped with the pack: one click puts an example through the token map.
import { useMemo } from 'react';
import { pngBlob, usePngUrls } from '../blobUrls';

export function ExamplePicker({
  examples,
  onPick,
}: {
  examples: { file: string; bytes: Uint8Array }[];
  onPick: (file: File) => void;
}) {
  const urls = usePngUrls(useMemo(() => examples.map((e) => e.bytes), [examples]));
  if (!examples.length || !urls.length) return null;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a form's fieldset
    <div className="examples" role="group" aria-label="example images">
      Or pick an example:
      {examples.map((e, i) => (
        <button
          key={e.file}
          type="button"
          data-testid="example"
          data-file={e.file}
          onClick={() => onPick(new File([pngBlob(e.bytes)], e.file, { type: 'image/png' }))}
        >
          <img src={urls[i]} alt={`example ${i + 1}`} width={48} height={48} />
        </button>
      ))}
    </div>
  );
}
