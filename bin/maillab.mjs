#!/usr/bin/env node
// Entry point for `npx maillab` and `npm start`: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lab-server/src/cli.ts');
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
