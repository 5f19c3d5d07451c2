import { Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A page's title and what it is for; shown at once, before the pack has loaded. */
export function PageIntro({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <>
      <Title order={2} id={id} mt="md" mb="xs">
        {title}
      </Title>
      <Text c="dimmed" mb="md" maw={760}>
        {children}
      </Text>
    </>
  );
}
