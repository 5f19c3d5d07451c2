#!/usr/bin/env node
// `npx digit …`: runs cli/digit.ts through tsx (a dev dependency, installed by `npm ci`).
import { register } from 'tsx/esm/api';

register();
await import('../cli/digit.ts');
