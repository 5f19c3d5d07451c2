import { Title } from '@mantine/core';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { droppedDirectory } from '../packFolder';
import { type TokenMapState, useApp } from '../store';
import { DECODER_HELP } from './decoders';
import { ExamplePicker } from './ExamplePicker';
import { PageIntro } from './PageIntro';
import { PrefixCompletions } from './PrefixCompletions';
import { RgbaCanvas } from './RgbaCanvas';
import { StabilityLab, type StabilityRow } from './StabilityLab';
import { TokenExemplars } from './TokenExemplars';
import { TokenGrid } from './TokenGrid';

const SHOWN = 192;

/** The picture as given, with the square the encoder sees outlined. */
function CropView({ source }: { source: TokenMapState['source'] }) {
  const { width, height, x, y, side } = source.crop;
  const scale = SHOWN / Math.max(width, height);
  return (
    <figure className="crop-view">
      <div className="crop-frame" style={{ width: width * scale, height: height * scale }}>
        <img src={source.url} alt="what you gave, uncropped" width={width * scale} height={height * scale} />
        <span
          className="crop-box"
          data-testid="crop-box"
          data-crop={`${x},${y},${side}`}
          style={{ left: x * scale, top: y * scale, width: side * scale, height: side * scale }}
        />
      </div>
      <figcaption>
        {width}×{height}, cropped to the outlined square
      </figcaption>
    </figure>
  );
}

/** Drop or pick an image; see its DiGIT token grid, the image rebuilt from those tokens by each
 *  decoder, and completions that keep its first rows of tokens. */
export function TokenMapPanel() {
  const { pack, tokenMap, tokenizeFile } = useApp(
    useShallow((s) => ({
      pack: s.pack,
      tokenMap: s.tokenMap,
      tokenizeFile: s.tokenizeFile,
    })),
  );
  const [over, setOver] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const intro = (
    <PageIntro id="tokens-title" title="Token map">
      See an image the way the GPT does: as a grid of tokens, each the number of a cluster of similar patches.
    </PageIntro>
  );
  if (!pack) return <section aria-labelledby="tokens-title">{intro}</section>;
  const m = pack.manifest;
  const first = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    setSelected(null);
    void tokenizeFile(files[0]);
  };
  return (
    <section aria-labelledby="tokens-title">
      {intro}
      <label
        className={`drop-zone${over ? ' over' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          if (droppedDirectory(e.dataTransfer)) return; // a pack folder: the page loads it
          e.preventDefault();
          setOver(false);
          first(e.dataTransfer.files);
        }}
      >
        Drop an image here, paste one, or click to choose one (PNG, JPEG, WebP, GIF). It is cropped to a square and
        resized to {m.image.size}×{m.image.size}.
        <input
          type="file"
          accept="image/*"
          data-testid="file-input"
          onChange={(e) => {
            first(e.target.files);
            e.target.value = '';
          }}
        />
      </label>
      <ExamplePicker
        examples={pack.examples}
        classNames={pack.manifest.classes}
        onPick={(file) => {
          setSelected(null);
          void tokenizeFile(file);
        }}
      />
      <p className="note" data-testid="domain-note">
        This pack knows only what it was trained on ({m.provenance.data}), at {m.image.size}×{m.image.size} pixels. Any
        other picture is read and rebuilt in terms of that world — a photo comes back as blobs shaped like the pack's
        own images. That is what the model knows, not a bug.
      </p>
      {tokenMap && (
        <>
          <div className="token-map">
            <CropView source={tokenMap.source} />
            <figure>
              <RgbaCanvas image={tokenMap.image} label="input image, as the encoder sees it" testId="token-input" />
              <figcaption>What the encoder sees</figcaption>
            </figure>
            <figure>
              <TokenGrid
                tokens={tokenMap.map.tokens}
                distance={tokenMap.map.distance}
                cols={m.grid.w}
                runnerUp={
                  tokenMap.map.runnerUp && { tokens: tokenMap.map.runnerUp, distance: tokenMap.map.runnerUpDistance! }
                }
                testId="token-map"
                selected={selected}
                onSelect={setSelected}
              />
              <figcaption data-testid="token-legend">
                Its {m.grid.h}×{m.grid.w} tokens. The encoder turns each patch into a feature vector, and each vector
                becomes the number of the nearest of {m.codebook.size} cluster centres (the &ldquo;centroids&rdquo;,
                found by k-means on the training images): that number, the token, is shown with a colour of its own.
                Hover a cell to see the other cells with the same token (and the runner-up, the next-nearest centre);
                click one to see the training patches it stands for.
              </figcaption>
            </figure>
          </div>
          {selected !== null && (
            <>
              <p role="status" data-testid="token-selection">
                Token {selected}: {tokenMap.map.tokens.filter((t) => t === selected).length} of{' '}
                {tokenMap.map.tokens.length} cells
              </p>
              <TokenExemplars token={selected} atlas={pack.exemplars} entry={m.exemplars} />
            </>
          )}
          <Title order={3} size="h4" mt="lg">
            Rebuilt from the tokens
          </Title>
          <p>
            The tokens alone, painted back into pixels. What survives is what the tokens kept: the layout and the kind
            of thing, not every pixel.
          </p>
          <div className="reconstructions">
            {m.decoders.map((d) => (
              <figure key={d}>
                {tokenMap.reconstructions[d] ? (
                  <RgbaCanvas
                    image={tokenMap.reconstructions[d]!}
                    label={`rebuilt by the ${d} decoder`}
                    testId={`reconstruction-${d}`}
                    displaySize={128}
                  />
                ) : (
                  <span>decoding…</span>
                )}
                <figcaption>{DECODER_HELP[d] ?? d}</figcaption>
              </figure>
            ))}
          </div>
          <PrefixCompletions gridRows={m.grid.h} gridCols={m.grid.w} />
          <StabilityLab
            image={tokenMap.image}
            cols={m.grid.w}
            card={(m.metrics?.token_stability as StabilityRow[] | undefined) ?? []}
          />
        </>
      )}
    </section>
  );
}
