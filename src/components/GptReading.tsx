// The stage-1 GPT as a classifier and a critic of one image: classes ranked by how likely the
// GPT finds the image's token grid after each, and a map of how surprised it was at each cell.
import { Group, Progress, Stack, Table, Text } from '@mantine/core';
import type { GridScore } from '../../workers/protocol';

const SHOWN = 5;

/** p(class | grid) under equal priors: a softmax over the grid's log-likelihoods. */
export function classPosterior(ranking: GridScore[]): number[] {
  const top = ranking[0].total;
  const weights = ranking.map((r) => Math.exp(r.total - top));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}

export function ClassRanking({ ranking, classes }: { ranking: GridScore[]; classes: string[] }) {
  const posterior = classPosterior(ranking);
  return (
    <Table withRowBorders={false} verticalSpacing={2} maw={460} data-testid="class-ranking">
      <Table.Tbody>
        {ranking.slice(0, SHOWN).map((r, i) => (
          <Table.Tr key={r.classId} data-testid="ranked-class" data-class={r.classId}>
            <Table.Td w={170}>{classes[r.classId!]}</Table.Td>
            <Table.Td>
              <Progress
                value={100 * posterior[i]}
                aria-label={`${classes[r.classId!]}: ${(100 * posterior[i]).toFixed(1)}%`}
              />
            </Table.Td>
            <Table.Td w={64} ta="right">
              {(100 * posterior[i]).toFixed(1)}%
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** −log p of each cell's token under the best class, as a heat map (white: expected, dark red:
 *  a surprise). */
export function SurpriseMap({ score, cols, size = 160 }: { score: GridScore; cols: number; size?: number }) {
  const surprise = score.logProbs.map((lp) => -lp);
  const most = Math.max(...surprise, 1e-9);
  const cell = size / cols;
  return (
    <Stack gap={4}>
      <div
        role="img"
        aria-label={`surprise map: ${surprise.map((s) => s.toFixed(1)).join(', ')} nats per cell`}
        data-testid="surprise-map"
        style={{ display: 'grid', gridTemplateColumns: `repeat(${cols}, ${cell}px)`, width: size }}
      >
        {surprise.map((s, i) => (
          <span
            key={i}
            title={`cell ${i + 1}: ${s.toFixed(2)} nats`}
            style={{
              height: cell,
              background: `rgba(201, 42, 42, ${(s / most).toFixed(3)})`,
              outline: '1px solid #8882',
            }}
          />
        ))}
      </div>
      <Group gap={6}>
        <Text size="xs">Expected</Text>
        <span
          style={{ width: 80, height: 8, background: 'linear-gradient(to right, transparent, rgb(201, 42, 42))' }}
        />
        <Text size="xs">surprising ({most.toFixed(1)} nats)</Text>
      </Group>
    </Stack>
  );
}
