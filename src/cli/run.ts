// `kexec-contract run FILE.S`: assemble one file, load it into the baseline world, run it, print the
// final state. Exit 0 when the run ends normally (until, hlt), 1 when it stops any other way (fault,
// triple fault, budget, unsupported instruction, memory), 2 for usage, assembly or setup errors.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fieldMask, REGISTER_BITS } from '../x86/bits.ts';
import { assemble, ToolMissingError } from '../runner/assemble.ts';
import { ENGINE_NAMES, EngineUnavailableError, getEngine, isEngineName } from '../runner/engines.ts';
import { hex } from '../x86/hex.ts';
import { setStateItem } from '../x86/items.ts';
import { jsonReport } from '../model/json-report.ts';
import { packageVersion } from './paths.ts';
import { stateToJson } from './state-json.ts';
import type { EngineName, RunOptions, RunResult } from '../runner/types.ts';
import type { CpuState } from '../x86/registers.ts';
import { DEFAULT_MAX_STEPS, DEFAULT_TRACE_KEEP } from '../runner/types.ts';
import { GPRS, SEGMENT_REGISTERS } from '../x86/registers.ts';
import { BASELINE, baselineWorld, loadCode } from '../runner/world.ts';
import { FORCED_PROGRESS, progressReporter } from './progress.ts';

/** Engines that record a per-step trace. */
const TRACING_ENGINES: readonly EngineName[] = ['interp'];

export const RUN_USAGE = `usage: kexec-contract run FILE.S [options]

Assembles FILE.S (AT&T syntax, GNU as --64), loads it into the baseline world (see README) and runs
it from _start (else from its first byte). Prints the final state.

Options:
  --engine NAME      interp (default), unicorn or kvm
  --base ADDR        load address of the code (default 0x100000)
  --until SYM|ADDR   stop before executing this address (repeatable)
  --max-steps N      instruction budget (default 10000000)
  --set REG=VALUE    set a state item before the run (repeatable): rax..r15, rip, rflags,
                     cr0, cr2, cr3, cr4, efer, dr0-dr3, dr6, dr7, msr:0xNNN; VALUE is a number or a symbol
  --trace            print every executed instruction and what it changed (interp only; a long
                     run keeps its first and last --trace-keep/2 steps and counts the rest)
  --trace-keep N     trace rows kept (default ${DEFAULT_TRACE_KEEP})
  --json             print one JSON object instead of text
  --progress         show the step count on stderr (default: on a terminal, for runs over 10 s)

Exit status: 0 stopped at --until or hlt; 1 fault, triple fault, budget, unsupported, memory;
2 usage, assembly or setup error.`;

class UsageError extends Error {
  constructor(
    message: string,
    /** Whether pointing at --help helps (not for a file that is not there). */
    readonly help = true,
  ) {
    super(message);
  }
}

export default async function run(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(
        `kexec-contract run: ${err.message}${err.help ? ' (see kexec-contract run --help)' : ''}`,
      );
      return 2;
    }
    if (err instanceof ToolMissingError || err instanceof EngineUnavailableError) {
      console.error(`kexec-contract run: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

async function runCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        engine: { type: 'string', default: 'interp' },
        base: { type: 'string' },
        until: { type: 'string', multiple: true },
        'max-steps': { type: 'string' },
        set: { type: 'string', multiple: true },
        trace: { type: 'boolean' },
        'trace-keep': { type: 'string' },
        json: { type: 'boolean' },
        progress: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    console.log(RUN_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('expected exactly one FILE.S');
  const file = positionals[0]!;
  if (!isEngineName(o.engine))
    throw new UsageError(`unknown engine ${JSON.stringify(o.engine)} (known: ${ENGINE_NAMES.join(', ')})`);
  // Only the interpreter records what each instruction changed; the others run the program natively.
  if (o.trace && !TRACING_ENGINES.includes(o.engine))
    throw new UsageError(`--trace: engine ${o.engine} cannot trace (use --engine interp)`);
  let traceKeep: number | undefined;
  if (o['trace-keep'] !== undefined) {
    const n = parseNumber(o['trace-keep'], '--trace-keep');
    if (n < 2n || n > BigInt(Number.MAX_SAFE_INTEGER))
      throw new UsageError('--trace-keep must be an integer of at least 2');
    traceKeep = Number(n);
  }
  const base = o.base === undefined ? BASELINE.code : parseNumber(o.base, '--base');
  let maxSteps: number | undefined;
  if (o['max-steps'] !== undefined) {
    const n = parseNumber(o['max-steps'], '--max-steps');
    if (n < 1n || n > BigInt(Number.MAX_SAFE_INTEGER))
      throw new UsageError('--max-steps must be a positive integer');
    maxSteps = Number(n);
  }

  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      e.code === 'ENOENT' ? `${file}: no such file or directory` : `cannot read ${file}: ${e.message}`,
      false,
    );
  }
  const [asm] = await assemble([{ source, base, file }]);
  if (!asm!.ok) {
    for (const d of asm!.diagnostics) console.error(`${d.file ?? file}:${d.line}: ${d.message}`);
    return 2;
  }
  for (const w of asm!.warnings) console.error(`${w.file ?? file}:${w.line}: warning: ${w.message}`);
  if (asm!.bytes.length === 0)
    console.error(
      `${file}: warning: no code: the run starts in zero-filled memory (00 00 is add %al,(%rax))`,
    );
  const ramEnd = BASELINE.ramSize;
  if (base + BigInt(asm!.bytes.length) > ramEnd) {
    throw new UsageError(
      `the code (${asm!.bytes.length} bytes at ${hex(base)}) does not fit in the baseline RAM`,
    );
  }

  const world = loadCode(baselineWorld(), asm!.bytes, base, asm!.symbols);
  const value = (text: string, what: string): bigint => {
    if (Object.hasOwn(world.symbols, text)) return world.symbols[text]!;
    if (/^[A-Za-z_.$][\w.$]*$/.test(text)) {
      const known = Object.keys(world.symbols).filter((k) => !k.startsWith('.L'));
      throw new UsageError(
        `${what}: no symbol ${JSON.stringify(text)} in ${file}` +
          (known.length
            ? ` (symbols: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', ...' : ''})`
            : ''),
      );
    }
    return parseNumber(text, what);
  };
  for (const s of o.set ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${s}: expected REG=VALUE`);
    const name = s.slice(0, eq).trim();
    if (!setStateItem(world.state, name, value(s.slice(eq + 1).trim(), `--set ${name}`))) {
      throw new UsageError(`--set: unknown register ${JSON.stringify(name)}`);
    }
  }
  const until = (o.until ?? []).map((u) => value(u, '--until'));

  const engine = await getEngine(o.engine);
  const progress = progressReporter(process.stderr, {
    isTTY: process.stderr.isTTY === true,
    ...(o.progress ? FORCED_PROGRESS : {}),
  });
  const what = file;
  const options: RunOptions = { until, trace: o.trace ?? false };
  if (maxSteps !== undefined) options.maxSteps = maxSteps;
  if (traceKeep !== undefined) options.traceKeep = traceKeep;
  options.onProgress = (steps, replay) =>
    progress.update({
      what,
      ...(replay && { part: 'recording the trace' }),
      steps,
      maxSteps: maxSteps ?? DEFAULT_MAX_STEPS,
    });
  progress.update({ what, steps: 0 });
  let result: RunResult;
  try {
    result = await engine.run(world, options);
  } finally {
    progress.done();
  }
  const normal = result.stop.reason === 'until' || result.stop.reason === 'hlt';

  if (o.json) {
    const json: Record<string, unknown> = { engine: result.engine, ...stateToJson(result) };
    if (o.trace) {
      json.trace = (result.trace ?? []).map(traceRowJson);
      if (result.traceOmitted) json.traceOmitted = result.traceOmitted;
    }
    console.log(jsonReport('run', packageVersion(), json));
  } else {
    if (o.trace) {
      const rows = result.trace ?? [];
      // The gap sits between the two kept halves, as the site's trace viewer shows it.
      const gapAfter = result.traceOmitted ? rows.length / 2 - 1 : -1;
      rows.forEach((step, i) => {
        console.log(traceLine(step, asm!.lines));
        if (i === gapAfter) console.log(`${' '.repeat(24)} ... ${result.traceOmitted} steps left out ...`);
      });
    }
    console.log(formatResult(result));
  }
  return normal ? 0 : 1;
}

/** Hex (0x...), binary (0b...) or decimal; `_` separators allowed. */
function parseNumber(text: string, what: string): bigint {
  const t = text.replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|0b[01]+|\d+)$/i.test(t))
    throw new UsageError(`${what}: ${JSON.stringify(text)} is not a number`);
  const v = BigInt(t);
  if (v >= 1n << 64n) throw new UsageError(`${what}: ${text} does not fit in 64 bits`);
  return v;
}

function traceRowJson(step: NonNullable<RunResult['trace']>[number]) {
  return {
    rip: hex(step.rip),
    text: step.text,
    changed: Object.fromEntries(Object.entries(step.changed).map(([k, v]) => [k, hex(v)])),
    ...(step.mem
      ? { mem: step.mem.map((m) => ({ addr: hex(m.addr), size: m.size, value: hex(m.value) })) }
      : {}),
  };
}

function traceLine(step: NonNullable<RunResult['trace']>[number], lines: Map<bigint, number>): string {
  const line = lines.get(step.rip);
  const changed = Object.entries(step.changed).map(([k, v]) => `${k}=${hex(v)}`);
  const mem = (step.mem ?? []).map((m) => `[${hex(m.addr)}]${m.size}=${hex(m.value)}`);
  const where = line === undefined ? '' : `:${line}`;
  return `${hex(step.rip).padStart(18)}${where.padEnd(6)} ${step.text.padEnd(32)} ${[...changed, ...mem].join(' ')}`.trimEnd();
}

/** RFLAGS as names ("ZF PF IOPL=3"), from the one bit table in src/x86/bits.ts. */
function flagNames(v: bigint): string {
  return REGISTER_BITS.rflags
    .map((f) => ({ f, x: (v & fieldMask(f)) >> BigInt(f.bit) }))
    .filter(({ x }) => x !== 0n)
    .map(({ f, x }) => ((f.width ?? 1) > 1 ? `${f.name}=${x}` : f.name))
    .join(' ');
}

const q = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16).padStart(16, '0')}`;

/** The text report: stop reason, registers four to a row, control registers, segments, tables. */
export function formatResult(r: RunResult): string {
  const s: CpuState = r.state;
  const out: string[] = [];
  const extra = [
    r.stop.vector !== undefined ? `vector ${r.stop.vector}` : '',
    r.stop.errorCode !== undefined ? `error code ${hex(r.stop.errorCode)}` : '',
  ].filter(Boolean);
  out.push(`stop:   ${r.stop.reason}, rip ${hex(r.stop.rip)}${extra.length ? ` (${extra.join(', ')})` : ''}`);
  if (r.stop.message) out.push(`        ${r.stop.message}`);
  out.push(`engine: ${r.engine}${r.steps !== undefined ? `, ${r.steps} steps` : ''}`, '');
  for (let i = 0; i < GPRS.length; i += 4) {
    out.push(
      GPRS.slice(i, i + 4)
        .map((g) => `${g.padStart(3)} ${q(s.gpr[g])}`)
        .join('  '),
    );
  }
  out.push(`rip ${q(s.rip)}  rflags ${q(s.rflags)} [${flagNames(s.rflags)}]`);
  if (r.undefinedFlags) out.push(`        undefined flags: ${flagNames(r.undefinedFlags)}`);
  out.push('');
  out.push(`cr0 ${q(s.cr0)}  cr2 ${q(s.cr2)}  cr3 ${q(s.cr3)}  cr4 ${q(s.cr4)}`);
  out.push(`efer ${q(s.efer)}`);
  out.push(
    `dr0 ${q(s.dr0)}  dr1 ${q(s.dr1)}  dr2 ${q(s.dr2)}  dr3 ${q(s.dr3)}  dr6 ${q(s.dr6)}  dr7 ${q(s.dr7)}`,
  );
  for (const [n, v] of [...s.msr].sort((a, b) => a[0] - b[0])) out.push(`msr ${hex(n)} ${q(v)}`);
  out.push('');
  for (const name of SEGMENT_REGISTERS) {
    const g = s.seg[name];
    out.push(
      `${name} ${hex(g.selector).padEnd(6)} base ${q(g.base)}  limit ${hex(g.limit).padEnd(10)}  attributes ${hex(g.attributes)}`,
    );
  }
  out.push(`gdtr base ${q(s.gdtr.base)}  limit ${hex(s.gdtr.limit)}`);
  out.push(`idtr base ${q(s.idtr.base)}  limit ${hex(s.idtr.limit)}`);
  out.push(`ldtr ${hex(s.ldtr.selector)}  tr ${hex(s.tr.selector)}`);
  if (r.serial) out.push('', `serial: ${JSON.stringify(r.serial)}`);
  return out.join('\n');
}
