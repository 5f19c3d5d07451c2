// "How it works": one image walked through the real pipeline, step by step: the encoder's
// view, the token grid, what the GPT expected at each cell, and the decoders' pictures.
import { Anchor, Badge, Group, Paper, Progress, Slider, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useShallow } from 'zustand/react/shallow';
import type { GridScore } from '../../workers/protocol';
import { callWorker } from '../engineClient';
import { useApp } from '../store';
import { DECODER_HELP } from './decoders';
import { ExamplePicker } from './ExamplePicker';
import { ClassRanking, SurpriseMap } from './GptReading';
import { RgbaCanvas } from './RgbaCanvas';
import { TokenGrid } from './TokenGrid';

const PAPER = 'https://arxiv.org/abs/2410.12490';
const CANDIDATES = 5;
/** Rank classes only up to this many: each class is a full pass of the GPT over the grid. */
const RANK_UP_TO = 64;

interface Reading {
  tokens: number[];
  /** Every class ranked by how likely the GPT finds this grid after it (best first). */
  ranking: GridScore[];
  /** The best start's reading, with the top candidates at each cell. */
  best: GridScore;
}

/** Ask the stage-1 GPT how it reads `tokens`: after every class (or the unconditional start in a
 *  pack without classes or with too many to try), then the best one again with its candidates at
 *  each cell. */
function useReading(tokens: number[] | null, classes: string[] | null): Reading | null | string {
  const [reading, setReading] = useState<Reading | null | string>(null);
  useEffect(() => {
    if (!tokens) return;
    let live = true;
    setReading(null);
    const starts = classes?.length && classes.length <= RANK_UP_TO ? classes.map((_, i) => i) : [null];
    (async () => {
      const all = await callWorker((w) => w.scoreGrid(tokens, starts, 0));
      const ranking = [...all].sort((a, b) => b.total - a.total);
      const [best] = await callWorker((w) => w.scoreGrid(tokens, [ranking[0].classId], CANDIDATES));
      if (live) setReading({ tokens, ranking, best });
    })().catch((e: unknown) => live && setReading(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [tokens, classes]);
  return reading;
}

function Step({ n, title, children }: { n: number; title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md" mt="md" component="section" aria-labelledby={`step-${n}`}>
      <Group gap="sm" mb="xs">
        <Badge size="lg" circle>
          {n}
        </Badge>
        <Title order={3} id={`step-${n}`} size="h4">
          {title}
        </Title>
      </Group>
      {children}
    </Paper>
  );
}

/** What the GPT expected at one cell, against what the image has there. */
function CellCandidates({ reading, cell, classes }: { reading: Reading; cell: number; classes: string[] | null }) {
  const actual = reading.tokens[cell];
  const p = Math.exp(reading.best.logProbs[cell]);
  const start = reading.best.classId === null ? 'no class' : `the class “${classes?.[reading.best.classId]}”`;
  return (
    <Stack gap="xs" data-testid="candidates" data-cell={cell}>
      <Text size="sm">
        Cell {cell + 1} holds token <strong>{actual}</strong>. Given {start} and the {cell} token
        {cell === 1 ? '' : 's'} before it, the GPT gave it a probability of <strong>{(100 * p).toFixed(1)}%</strong>.
        Its own top {CANDIDATES}:
      </Text>
      <Table withRowBorders={false} verticalSpacing={2} maw={420}>
        <Table.Tbody>
          {reading.best.top[cell].map((c) => (
            <Table.Tr key={c.code} data-testid="candidate" data-code={c.code}>
              <Table.Td w={120} style={{ whiteSpace: 'nowrap' }}>
                token {c.code}
                {c.code === actual ? ' ✓' : ''}
              </Table.Td>
              <Table.Td>
                <Progress value={100 * c.p} aria-label={`token ${c.code}: ${(100 * c.p).toFixed(1)}%`} />
              </Table.Td>
              <Table.Td w={64} ta="right">
                {(100 * c.p).toFixed(1)}%
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function HowItWorks() {
  const { pack, tokenMap, tokenizeFile } = useApp(
    useShallow((s) => ({ pack: s.pack, tokenMap: s.tokenMap, tokenizeFile: s.tokenizeFile })),
  );
  const classes = pack?.manifest.classes ?? null;
  const reading = useReading(tokenMap?.map.tokens ?? null, classes);
  const [cell, setCell] = useState(0);
  const intro = (
    <>
      <Title order={2} id="how-title" mt="md">
        How it works
      </Title>
      <Text maw={760} mt="xs">
        DiGIT (
        <Anchor href={PAPER} target="_blank" rel="noopener" underline="always">
          Zhu et al., NeurIPS 2024
        </Anchor>
        ) makes images the way a language model writes text: a GPT writes an image as a sequence of tokens, one at a
        time. Its point is <em>which</em> tokens. Most image GPTs use the codes of an autoencoder trained to redraw
        pixels; DiGIT clusters the features of an encoder trained, without labels, to tell images apart. Those tokens
        say what is in a patch more than its exact colours, and they stay put when the image is slightly disturbed, so
        the GPT learns them more easily. Below, one image goes through this pack&rsquo;s real models, in your browser.
      </Text>
    </>
  );
  if (!pack) return <section aria-labelledby="how-title">{intro}</section>;
  const m = pack.manifest;
  const n = m.grid.h * m.grid.w;
  return (
    <section aria-labelledby="how-title">
      {intro}
      {!tokenMap && (
        <Paper withBorder p="md" mt="md">
          <Text mb="xs">Pick an image to follow (or drop your own on the Token map page):</Text>
          <ExamplePicker examples={pack.examples} classNames={classes} onPick={(file) => void tokenizeFile(file)} />
        </Paper>
      )}
      {tokenMap && (
        <>
          <Step n={1} title="An encoder reads the image">
            <Group align="start" gap="lg" wrap="wrap">
              <RgbaCanvas image={tokenMap.image} label="the image, as the encoder sees it" displaySize={192} />
              <Text maw={520}>
                The image is cut into a {m.grid.h}×{m.grid.w} grid of patches. A vision transformer trained by
                self-supervision (it learned to tell images apart, never told what they show) turns each patch into a
                vector of numbers describing it in the context of the whole image.
              </Text>
            </Group>
          </Step>
          <Step n={2} title="Each patch becomes the number of its nearest cluster">
            <Group align="start" gap="lg" wrap="wrap">
              <TokenGrid
                tokens={tokenMap.map.tokens}
                cols={m.grid.w}
                testId="how-tokens"
                selected={tokenMap.map.tokens[cell]}
              />
              <Text maw={520}>
                Before training the GPT, k-means found {m.codebook.size} cluster centres among the training
                images&rsquo; patch vectors. Each vector is replaced by the number of its nearest centre: that number
                is a token. The grid of {n} tokens is all the GPT ever sees of an image. (The{' '}
                <Anchor component={Link} to="/tokens" underline="always">
                  Token map
                </Anchor>{' '}
                shows what each token stands for, and its stability lab how few of these tokens change when the image
                is disturbed, against a VQ autoencoder&rsquo;s.)
              </Text>
            </Group>
          </Step>
          <Step n={3} title="The GPT predicts each token from the ones before it">
            <Text maw={760} mb="sm">
              Trained on the token grids of the training images, read row by row, the GPT learned to predict the next
              token. Here is what it expected at each cell of this image. Move along the grid:
            </Text>
            <Slider
              thumbLabel="cell"
              min={0}
              max={n - 1}
              value={cell}
              onChange={setCell}
              label={(v) => `cell ${v + 1}`}
              maw={420}
              mb="md"
            />
            {reading === null && <Text c="dimmed">Asking the GPT…</Text>}
            {typeof reading === 'string' && <Text c="red">The GPT could not read this grid: {reading}</Text>}
            {reading && typeof reading !== 'string' && reading.tokens === tokenMap.map.tokens && (
              <>
                <CellCandidates reading={reading} cell={cell} classes={classes} />
                {reading.ranking[0].classId !== null && classes ? (
                  <>
                    <Text mt="md" maw={760} data-testid="best-class" data-class={reading.ranking[0].classId ?? ''}>
                      The same predictions also classify: told each class in turn, the GPT finds this grid likeliest
                      after <strong>{classes[reading.ranking[0].classId!]}</strong>. How likely each class is, given
                      the grid (equal odds before), and how surprised the GPT was at each cell under it:
                    </Text>
                    <Group align="start" gap="xl" mt="xs" wrap="wrap">
                      <ClassRanking ranking={reading.ranking} classes={classes} />
                      <SurpriseMap score={reading.best} cols={m.grid.w} />
                    </Group>
                  </>
                ) : (
                  <Group mt="md">
                    <SurpriseMap score={reading.best} cols={m.grid.w} />
                  </Group>
                )}
              </>
            )}
            <Text mt="md" maw={760}>
              Generating is this step in a loop: instead of reading the image&rsquo;s token, the GPT draws one from its
              candidates (the sampling settings on the{' '}
              <Anchor component={Link} to="/" underline="always">
                Generate
              </Anchor>{' '}
              page shape that draw), appends it, and predicts the next.
            </Text>
          </Step>
          <Step n={4} title="A decoder paints the tokens as pixels">
            <Group align="start" gap="lg" wrap="wrap">
              {m.decoders.map((d) =>
                tokenMap.reconstructions[d] ? (
                  <figure key={d} style={{ margin: 0, maxWidth: 220 }}>
                    <RgbaCanvas
                      image={tokenMap.reconstructions[d]!}
                      label={`rebuilt by the ${d} decoder`}
                      displaySize={192}
                    />
                    <figcaption>
                      <Text size="sm">{DECODER_HELP[d] ?? d}</Text>
                    </figcaption>
                  </figure>
                ) : (
                  <Text key={d} c="dimmed">
                    decoding…
                  </Text>
                ),
              )}
            </Group>
            <Text mt="sm" maw={760}>
              The tokens keep what the image shows and its layout, not every pixel, so the picture comes back close but
              not exact.
            </Text>
          </Step>
        </>
      )}
    </section>
  );
}
