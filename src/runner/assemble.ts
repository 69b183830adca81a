// The assembler driver: AT&T/GAS source -> a flat image at a chosen base, plus its symbols.
//
// How a batch is built (few processes, exact GNU semantics):
// - every block is assembled by its own `as --64` run (in parallel, a small pool), because GAS has
//   one symbol namespace per run and every block defines `_start`;
// - the objects are then linked by ONE `ld` run with a generated linker script that gives each block
//   its own output section at its own base (`.kcN BASE : { "blkN.o"(.text) ... }`). Blocks may share a
//   base (every example of a stage loads at the same address), so section overlap checks are off: we
//   read each output section separately, never a loadable image.
// - GNU ld resolves globals across objects, so blocks that define the same global name go to separate
//   links, and a block with undefined symbols is linked alone (ld then reports its own error with the
//   line, and no other block's global can satisfy it). A link that fails is retried per block so each
//   error lands on the right block. In the usual case a document costs N `as` runs and one `ld`.
// - Bytes and symbols come from parsing the ELF files here (src/runner/elf.ts), not from objcopy/nm.
//   The linker script plants a marker symbol at every input section, so each label's address is the
//   marker plus its offset in the object: exact even when two blocks overlap in memory.
// - `--gdwarf-3` line tables give address -> source line for the trace viewer.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDirectives } from './asm-guard.ts';
import { readLineRows } from './dwarf-lines.ts';
import {
  Elf64,
  type ElfSection,
  type ElfSymbol,
  SHF_ALLOC,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  STB_LOCAL,
  STT_FILE,
  STT_SECTION,
} from './elf.ts';

export interface AsmBlock {
  source: string;
  /** Address of the first byte of the image. */
  base: bigint;
  /** Reported in diagnostics (e.g. "spec/k2p.md"). */
  file?: string;
  /** Added to every line number: line 1 of `source` is reported as `1 + lineOffset`. */
  lineOffset?: number;
}

export interface AsmDiagnostic {
  file?: string;
  line: number;
  message: string;
}

export type AsmOutput =
  | {
      ok: true;
      /** The image from `base` to the end of the last section (.bss included as zeros). */
      bytes: Uint8Array;
      /** Every label the block defines (locals included), by name. */
      symbols: Record<string, bigint>;
      /** Address of each instruction -> its caller line number (lineOffset applied). */
      lines: Map<bigint, number>;
      warnings: AsmDiagnostic[];
    }
  | { ok: false; diagnostics: AsmDiagnostic[] };

/** `as` or `ld` is not installed. */
export class ToolMissingError extends Error {
  override name = 'ToolMissingError';
  constructor(tool: string) {
    super(
      `GNU ${tool} is not installed (package: binutils). ` +
        'Install it, e.g. on Debian/Ubuntu: sudo apt-get install -y binutils',
    );
  }
}

const MAX_U64 = (1n << 64n) - 1n;
const MARKER = '__kexec_contract_';
const SKIPPED_SECTIONS = /^\.(eh_frame|note\b)/;
const PLAIN_SECTION_NAME = /^[A-Za-z0-9_.$@-]+$/;

/** Assembles each block at its base. Diagnostics come back per block; only a missing tool throws. */
export async function assemble(blocks: AsmBlock[]): Promise<AsmOutput[]> {
  const results: (AsmOutput | undefined)[] = blocks.map(() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'kexec-contract-asm-'));
  try {
    const objects = new Map<number, ObjectInfo>();
    await pool(blocks.keys(), async (i) => {
      const r = await assembleOne(dir, i, blocks[i]!);
      if ('diagnostics' in r) results[i] = { ok: false, diagnostics: r.diagnostics };
      else objects.set(i, r);
    });
    for (const group of linkGroups(objects)) {
      const linked = await linkGroup(dir, group, objects, blocks);
      if (linked) {
        for (const [i, out] of linked) results[i] = out;
        continue;
      }
      // The link failed: link each block alone so every error is attributed to its own block.
      for (const i of group) {
        const alone = await linkGroup(dir, [i], objects, blocks);
        if (alone) for (const [j, out] of alone) results[j] = out;
      }
    }
    return results.map((r) => r!);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ObjectInfo {
  path: string;
  elf: Elf64;
  /** SHF_ALLOC sections in object order: the image layout. */
  alloc: ElfSection[];
  symbols: ElfSymbol[];
  globals: Set<string>;
  hasUndefined: boolean;
  warnings: AsmDiagnostic[];
}

type AssembleOne = ObjectInfo | { diagnostics: AsmDiagnostic[] };

async function assembleOne(dir: string, i: number, block: AsmBlock): Promise<AssembleOne> {
  const place = (line: number) => ({ file: block.file, line: line + (block.lineOffset ?? 0) });
  if (block.base < 0n || block.base > MAX_U64) {
    return {
      diagnostics: [{ ...place(1), message: `base 0x${block.base.toString(16)} is not a 64-bit address` }],
    };
  }
  const refused = checkDirectives(block.source);
  if (refused.length > 0)
    return { diagnostics: refused.map((p) => ({ ...place(p.line), message: p.message })) };

  const src = `blk${i}.s`;
  const obj = `blk${i}.o`;
  await writeFile(join(dir, src), block.source.endsWith('\n') ? block.source : `${block.source}\n`);
  const r = await run('as', ['--64', '--gdwarf-3', '-o', obj, src], dir);
  const messages = parseAsMessages(r.stderr, src);
  const errors = messages.filter((m) => m.kind !== 'warning');
  if (r.code !== 0 || errors.length > 0) {
    const diagnostics = errors.map((m) => ({ ...place(m.line ?? 1), message: m.message }));
    if (diagnostics.length === 0) diagnostics.push({ ...place(1), message: r.stderr.trim() || 'as failed' });
    return { diagnostics };
  }
  const warnings = messages
    .filter((m) => m.kind === 'warning')
    .map((m) => ({ ...place(m.line ?? 1), message: m.message }));

  const elf = new Elf64(await readFile(join(dir, obj)));
  const alloc = elf.sections.filter(
    (s) => (s.flags & BigInt(SHF_ALLOC)) !== 0n && !SKIPPED_SECTIONS.test(s.name),
  );
  const odd = alloc.find((s) => !PLAIN_SECTION_NAME.test(s.name));
  if (odd)
    return {
      diagnostics: [{ ...place(1), message: `section name ${JSON.stringify(odd.name)} is not supported` }],
    };
  const symbols = elf.symbols();
  const globals = new Set(
    symbols.filter((s) => s.bind !== STB_LOCAL && s.shndx !== SHN_UNDEF && s.name).map((s) => s.name),
  );
  const hasUndefined = symbols.some((s) => s.shndx === SHN_UNDEF && s.name !== '');
  return { path: obj, elf, alloc, symbols, globals, hasUndefined, warnings };
}

/**
 * Splits the blocks into links that cannot interfere: no global name defined twice in one link, and
 * a block with undefined symbols always alone (so nothing else can satisfy them).
 */
function linkGroups(objects: Map<number, ObjectInfo>): number[][] {
  const groups: { members: number[]; globals: Set<string>; closed: boolean }[] = [];
  for (const [i, o] of [...objects].sort((a, b) => a[0] - b[0])) {
    if (o.hasUndefined) {
      groups.push({ members: [i], globals: o.globals, closed: true });
      continue;
    }
    const g = groups.find((g) => !g.closed && ![...o.globals].some((n) => g.globals.has(n)));
    if (g) {
      g.members.push(i);
      for (const n of o.globals) g.globals.add(n);
    } else groups.push({ members: [i], globals: new Set(o.globals), closed: false });
  }
  return groups.map((g) => g.members);
}

/** Links one group; undefined when ld failed on a group of several blocks (the caller retries singly). */
async function linkGroup(
  dir: string,
  group: number[],
  objects: Map<number, ObjectInfo>,
  blocks: AsmBlock[],
): Promise<Map<number, AsmOutput> | undefined> {
  const name = `link${group[0]}-${group.length}`;
  const script = ['SECTIONS {'];
  for (const i of group) {
    const o = objects.get(i)!;
    script.push(`  .kc${i} 0x${blocks[i]!.base.toString(16)} : {`);
    for (const s of o.alloc) {
      script.push(
        `    . = ALIGN(${Math.max(1, s.align)}); ${MARKER}${i}_${s.index} = .; "${o.path}"(${s.name})`,
      );
    }
    script.push(`    "${o.path}"(COMMON)`, '  }');
  }
  script.push('  /DISCARD/ : { *(.eh_frame) *(.note.*) }', '}', '');
  await writeFile(join(dir, `${name}.ld`), script.join('\n'));
  const out = `${name}.elf`;
  const r = await run(
    'ld',
    [
      '-m',
      'elf_x86_64',
      '-static',
      '-nostdlib',
      '--no-check-sections',
      '--build-id=none',
      '-T',
      `${name}.ld`,
      '-o',
      out,
      ...group.map((i) => objects.get(i)!.path),
    ],
    dir,
  );
  const results = new Map<number, AsmOutput>();
  if (r.code !== 0) {
    if (group.length > 1) return undefined;
    const i = group[0]!;
    const b = blocks[i]!;
    const diagnostics = parseLdErrors(r.stderr, i).map((d) => ({
      file: b.file,
      line: d.line + (b.lineOffset ?? 0),
      message: d.message,
    }));
    results.set(i, { ok: false, diagnostics });
    return results;
  }
  const elf = new Elf64(await readFile(join(dir, out)));
  const linkedSymbols = elf.symbols();
  const markers = new Map<string, bigint>();
  const linkedGlobals = new Map<string, bigint>();
  for (const s of linkedSymbols) {
    if (s.name.startsWith(MARKER)) markers.set(s.name, s.value);
    else if (s.bind !== STB_LOCAL) linkedGlobals.set(s.name, s.value);
  }
  const debugLine = elf.section('.debug_line');
  const rows = debugLine ? readLineRows(elf.contents(debugLine)) : [];
  for (const i of group) {
    const o = objects.get(i)!;
    const b = blocks[i]!;
    const section = elf.section(`.kc${i}`);
    const bytes = section ? elf.contents(section).slice() : new Uint8Array(0);
    const symbols: Record<string, bigint> = {};
    for (const s of o.symbols) {
      if (!s.name || s.type === STT_FILE || s.type === STT_SECTION || s.name.startsWith(MARKER)) continue;
      if (s.shndx === SHN_ABS) symbols[s.name] = s.value;
      else if (s.shndx === SHN_COMMON) {
        const v = linkedGlobals.get(s.name);
        if (v !== undefined) symbols[s.name] = v;
      } else {
        const m = markers.get(`${MARKER}${i}_${s.shndx}`);
        if (m !== undefined) symbols[s.name] = BigInt.asUintN(64, m + s.value);
      }
    }
    const lines = new Map<bigint, number>();
    const end = b.base + BigInt(bytes.length);
    for (const row of rows) {
      if (row.file !== undefined && row.file.replace(/^.*\//, '') !== `blk${i}.s`) continue;
      if (row.address < b.base || row.address >= end || lines.has(row.address)) continue;
      lines.set(row.address, row.line + (b.lineOffset ?? 0));
    }
    results.set(i, { ok: true, bytes, symbols, lines, warnings: o.warnings });
  }
  return results;
}

interface AsMessage {
  kind: 'error' | 'warning';
  line?: number;
  message: string;
}

/** GAS stderr: `blk0.s:3: Error: ...`, `blk0.s:3: Warning: ...`, `blk0.s: Fatal error: ...`. */
function parseAsMessages(stderr: string, src: string): AsMessage[] {
  const out: AsMessage[] = [];
  for (const text of stderr.split('\n')) {
    const m = /^(.*?)(?::(\d+))?: (Error|Warning|Fatal error|Info): (.*)$/.exec(text);
    if (!m || !m[1]!.endsWith(src)) continue;
    const line = m[2] ? Number(m[2]) : undefined;
    if (m[3] === 'Info') {
      // "macro invoked from here": say where, on the error it belongs to.
      const last = out[out.length - 1];
      if (last && line !== undefined) last.message += ` (${m[4]} at line ${line})`;
      continue;
    }
    out.push({ kind: m[3] === 'Warning' ? 'warning' : 'error', line, message: m[4]! });
  }
  return out;
}

/** GNU ld stderr for a one-block link: `.../blk0.s:3:(.text+0x1): undefined reference to ...`. */
function parseLdErrors(stderr: string, i: number): { line: number; message: string }[] {
  const out: { line: number; message: string }[] = [];
  const withLine = new RegExp(`(?<![\\w])blk${i}\\.s:(\\d+):(?:\\([^)]*\\):)?\\s*(.*)$`);
  for (const text of stderr.split('\n')) {
    if (!text.trim() || /warning:/.test(text) || /: in function /.test(text)) continue;
    const m = withLine.exec(text);
    if (m) out.push({ line: Number(m[1]), message: m[2]! });
    else out.push({ line: 1, message: text.replace(/^\S*ld: /, '').replace(/blk\d+\.o: /, '') });
  }
  if (out.length === 0) out.push({ line: 1, message: stderr.trim() || 'ld failed' });
  return out;
}

async function run(cmd: 'as' | 'ld', args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 60_000, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ code: 0, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown };
      if (e.code === 'ENOENT')
        return reject(new ToolMissingError(cmd === 'as' ? 'as (assembler)' : 'ld (linker)'));
      if (typeof e.code === 'number') return resolve({ code: e.code, stderr });
      reject(new Error(`${cmd} failed: ${err.message}`));
    });
  });
}

/** Runs `task` over the keys with a few workers at a time (the machine may be small and shared). */
async function pool(keys: Iterable<number>, task: (i: number) => Promise<void>): Promise<void> {
  const queue = [...keys];
  const width = Math.max(2, Math.min(8, availableParallelism()));
  await Promise.all(
    Array.from({ length: Math.min(width, queue.length) }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) await task(i);
    }),
  );
}
