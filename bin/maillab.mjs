#!/usr/bin/env node
// Entry point for `npx maillab` and `npm start`: runs the TypeScript CLI through tsx.
// No V8 flags, on purpose. Measured in round 18 (the lab half of `npm run bench -- imap`,
// interleaved with plain runs, load 23-41): --min-semi-space-size=8 (8 pairs; the envelope
// readers' scavenges in the first FETCH fell from 54 to 8, their CPU did not) and
// --always-sparkplug, from start or once listening (4 pairs each), cut no cold row's CPU
// clearly; sparkplug from start cost ~10 MB RSS and start-up CPU. Screened in 2 runs, no better
// either: --no-lazy-feedback-allocation, --interrupt-budget=16384, --max-semi-space-size=32,
// --single-threaded-gc. Two traps for whoever tries again: heap sizes set by
// v8.setFlagsFromString reach only threads started later, and --single-threaded-gc set that way
// aborts Node 20 at its next full collection (it works only on the command line).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lab-server/src/cli.ts');
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
