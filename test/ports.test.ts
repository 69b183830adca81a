// World I/O is one module (src/runner/ports.ts) for every engine: what `in` reads, the port log, and
// the serial text (the low byte of an `out` of any width to 0x3f8).
import { describe, expect, test } from 'vitest';
import { assemble } from '../src/runner/assemble.ts';
import { engineGate } from './support/differential/gate.ts';
import { ENGINE_NAMES, getEngine } from '../src/runner/engines.ts';
import { PortLog, portValue } from '../src/runner/ports.ts';
import { baselineWorld, loadCode } from '../src/runner/world.ts';

describe('PortLog', () => {
  test('in answers the configured value truncated to the width, else all ones', () => {
    expect([1, 2, 4].map((s) => portValue(undefined, s as 1 | 2 | 4))).toEqual([0xff, 0xffff, 0xffffffff]);
    expect([1, 2, 4].map((s) => portValue(0x1234_5678, s as 1 | 2 | 4))).toEqual([0x78, 0x5678, 0x12345678]);
    const log = new PortLog(0x5a);
    expect(log.in(0x60, 2)).toBe(0x5a);
    expect(log.events).toEqual([{ dir: 'in', port: 0x60, size: 2, value: 0x5a }]);
  });

  test('an out of any width to 0x3f8 sends its low byte to the serial text; other ports do not', () => {
    const log = new PortLog(undefined);
    log.out(0x3f8, 1, 0x41);
    log.out(0x3f8, 2, 0x4242);
    log.out(0x3f8, 4, 0x11223343);
    log.out(0x3f9, 1, 0x44);
    expect(log.serial).toBe('ABC');
    expect(log.events.map((e) => e.size)).toEqual([1, 2, 4, 1]);
  });
});

const SOURCE = [
  'mov $0x3f8, %dx',
  'mov $0x41, %al',
  'out %al, (%dx)',
  'mov $0x4242, %ax',
  'out %ax, (%dx)',
  'mov $0x11223343, %eax',
  'out %eax, (%dx)',
  'hlt',
].join('\n');

describe('every engine captures serial output at any width', async () => {
  const [code] = await assemble([{ source: SOURCE, base: 0x100000n }]);
  for (const name of ENGINE_NAMES) {
    const gate = name === 'interp' ? { available: true } : await engineGate(name, `${name} serial capture`);
    test.runIf(gate.available)(name, async () => {
      if (!code?.ok) throw new Error('assembly failed');
      const world = loadCode(baselineWorld(), code.bytes, 0x100000n, code.symbols);
      const r = await (await getEngine(name)).run(world, { maxSteps: 100 });
      expect(r.stop.reason).toBe('hlt');
      expect(r.serial).toBe('ABC');
      expect(r.ports.map((p) => [p.port, p.size, p.value])).toEqual([
        [0x3f8, 1, 0x41],
        [0x3f8, 2, 0x4242],
        [0x3f8, 4, 0x11223343],
      ]);
    });
  }
});
