import { createTheme } from '@mantine/core';

/** One theme for the whole app; light or dark follows the system (main.tsx). */
export const theme = createTheme({
  primaryColor: 'violet',
  primaryShade: { light: 8, dark: 7 }, // white text on it and it on white both pass WCAG AA
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Button: { defaultProps: { size: 'sm' } },
  },
});
