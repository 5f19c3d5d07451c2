import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../../workers/protocol';

interface Props {
  image: RgbaImage;
  label: string;
  displaySize?: number;
  /** Fill the width of its container (a square), instead of displaySize. */
  fluid?: boolean;
  testId?: string;
}

/** An RGBA image drawn 1:1 into a canvas, shown scaled up with crisp pixels. */
export function RgbaCanvas({ image, label, displaySize = 192, fluid, testId }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    ctx?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return (
    <canvas
      ref={ref}
      width={image.width}
      height={image.height}
      role="img"
      aria-label={label}
      data-testid={testId}
      className="pixels"
      style={fluid ? { width: '100%', aspectRatio: '1', height: 'auto' } : { width: displaySize, height: displaySize }}
    />
  );
}
