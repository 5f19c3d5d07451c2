// Held-out images shipped with the pack: one click puts an example through the token map.
import { useMemo } from 'react';
import { pngBlob, usePngUrls } from '../blobUrls';

export function ExamplePicker({
  examples,
  classNames,
  onPick,
}: {
  examples: { file: string; bytes: Uint8Array; classId?: number }[];
  classNames: string[] | null;
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
          <img src={urls[i]} alt={exampleName(e.classId, classNames, i)} width={48} height={48} />
        </button>
      ))}
    </div>
  );
}

/** What an example button is called: its class, when the pack says which. */
export function exampleName(classId: number | undefined, classNames: string[] | null, index: number): string {
  const name = classId !== undefined ? classNames?.[classId] : undefined;
  return name ? `held-out example: ${name}` : `held-out example ${index + 1}`;
}
