// The classes as pictures: one held-out training image of each (the pack's class_images), a
// click picks that class. Beside the class list, for packs that ship the images.
import { Tooltip, UnstyledButton } from '@mantine/core';
import { useMemo } from 'react';
import { usePngUrls } from '../blobUrls';

const SHOWN_PX = 48;

export function ClassTiles({
  classes,
  images,
  value,
  onChange,
}: {
  classes: string[];
  images: { bytes: Uint8Array; tile: number };
  value: number | null;
  onChange: (classId: number) => void;
}) {
  const [url] = usePngUrls(useMemo(() => [images.bytes], [images]));
  if (!url) return null;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a form's fieldset
    <div className="class-tiles" role="group" aria-label="classes, each shown by a training image">
      {classes.map((name, id) => (
        <Tooltip key={name} label={name} openDelay={200}>
          <UnstyledButton
            className="class-tile"
            data-testid="class-tile"
            aria-label={name}
            aria-pressed={value === id}
            onClick={() => onChange(id)}
            style={{
              backgroundImage: `url(${url})`,
              backgroundSize: `${classes.length * SHOWN_PX}px ${SHOWN_PX}px`,
              backgroundPosition: `-${id * SHOWN_PX}px 0`,
            }}
          />
        </Tooltip>
      ))}
    </div>
  );
}
