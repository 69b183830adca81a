// Reproduce one differential seed: print the program, run it on every available engine, show the
// first difference against the interpreter.  Usage: npx tsx test/support/differential/repro.ts SEED...

import { engineAvailability, getEngine } from '../../../src/runner/engines.ts';
import { ENGINE_NAMES } from '../../../src/runner/engines.ts';
import type { Engine } from '../../../src/runner/types.ts';
import { differential, formatMismatch } from './run.ts';
import { generateProgram } from './generate.ts';

const seeds = process.argv.slice(2).map(Number);
if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s))) {
  console.error('usage: npx tsx test/support/differential/repro.ts SEED...');
  process.exit(2);
}
const others: Engine[] = [];
for (const name of ENGINE_NAMES.filter((n) => n !== 'interp')) {
  const a = await engineAvailability(name);
  if (a.ok) others.push(await getEngine(name));
  else console.log(`${name}: not compared (${a.reason}; ${a.install})`);
}
const { mismatches } = await differential(seeds, await getEngine('interp'), others);
for (const s of seeds) {
  if (!mismatches.some((m) => m.program.seed === s))
    console.log(
      `seed ${s}: interp agrees with ${others.map((e) => e.name).join(', ') || 'nothing'}\n${generateProgram(s).text}`,
    );
}
for (const m of mismatches) console.log(formatMismatch(m) + '\n');
process.exit(mismatches.length ? 1 : 0);
