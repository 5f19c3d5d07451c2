import { ActionIcon, Button, Group, Text, Title, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { NavLink } from 'react-router';

/** The app's pages, as routes in the URL's hash. */
export const PAGES = [
  { to: '/', label: 'Generate' },
  { to: '/tokens', label: 'Token map' },
  { to: '/compare', label: 'Compare' },
  { to: '/how', label: 'How it works' },
] as const;

function ThemeToggle(props: { hiddenFrom?: 'sm'; visibleFrom?: 'sm' }) {
  const { setColorScheme } = useMantineColorScheme();
  const dark = useComputedColorScheme('light') === 'dark';
  return (
    <ActionIcon
      {...props}
      variant="default"
      size={44}
      aria-label={dark ? 'Switch to the light theme' : 'Switch to the dark theme'}
      title={dark ? 'Light theme' : 'Dark theme'}
      onClick={() => setColorScheme(dark ? 'light' : 'dark')}
    >
      <span aria-hidden="true">{dark ? '☀' : '☾'}</span>
    </ActionIcon>
  );
}

export function AppHeader() {
  return (
    <Group h="100%" px={{ base: 'xs', sm: 'md' }} justify="space-between" wrap="wrap" gap={4} py={6}>
      <Group gap="xs" wrap="nowrap" justify="space-between" style={{ flex: '1 1 auto' }}>
        <Group gap="xs" wrap="nowrap">
          <img src="favicon.svg" alt="" width={28} height={28} />
          <div>
            <Title order={1} size="h4" lh={1.1}>
              DiGIT in the browser
            </Title>
            <Text size="xs" c="dimmed" visibleFrom="sm">
              A GPT over discriminative image tokens, running on this device
            </Text>
          </div>
        </Group>
        <ThemeToggle hiddenFrom="sm" />
      </Group>
      {/* on the narrowest phones the links scroll sideways rather than pass the edge */}
      <Group gap={2} component="nav" aria-label="pages" wrap="nowrap" maw="100%" style={{ overflowX: 'auto' }}>
        {PAGES.map((p) => (
          <NavLink key={p.to} to={p.to} end style={{ textDecoration: 'none' }}>
            {({ isActive }) => (
              <Button
                component="span"
                variant={isActive ? 'filled' : 'subtle'}
                size="sm"
                h={44}
                px={{ base: 5, sm: 'md' }}
                fz={{ base: 12, sm: 'sm' }}
              >
                {p.label}
              </Button>
            )}
          </NavLink>
        ))}
        <ThemeToggle visibleFrom="sm" />
      </Group>
    </Group>
  );
}
