#!/usr/bin/env node
// The scrutin command. The workspaces ship TypeScript sources; tsx loads them.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
