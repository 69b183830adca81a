#!/usr/bin/env node
// The CLI is written in TypeScript; tsx's loader lets it run from a fresh clone with no build step.
import { register } from 'tsx/esm/api';

register();
// `kexec-contract cite ... | head`: a reader that closes the pipe early is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
