// Held-out images shipped with the pack: one click puts an example through the token map.
import { useEffect, useState } from 'react';

export function ExamplePicker({
  examples,
  onPick,
}: {
  examples: { file: string; bytes: Uint8Array }[];
  onPick: (file: File) => void;
}) {
  const [urls, setUrls] = useState<string[]>([]);
  useEffect(() => {
    const made = examples.map((e) =>
      URL.createObjectURL(new Blob([e.bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' })),
    );
    setUrls(made);
    return () => {
      for (const u of made) URL.revokeObjectURL(u);
    };
  }, [examples]);
  if (!examples.length || urls.length !== examples.length) return null;
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
          onClick={() => onPick(new File([e.bytes as Uint8Array<ArrayBuffer>], e.file, { type: 'image/png' }))}
        >
          <img src={urls[i]} alt={`example ${i + 1}`} width={48} height={48} />
        </button>
      ))}
    </div>
  );
}
