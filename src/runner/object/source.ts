// From a kernel-style `.S` to a relocatable object: the C preprocessor (with the user's -I and -D, and
// -D__ASSEMBLY__ as the kernel's KBUILD_AFLAGS pass it; GCC defines __ASSEMBLER__ itself), then GNU as
// with DWARF line info. The preprocessor's line markers make GNU as report errors and write line info
// in terms of the user's own files, so every diagnostic is FILE:LINE of the .S or a header it includes.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolMissingError } from '../assemble.ts';

export interface SourceOptions {
  /** -I directories, in order. */
  includes?: string[];
  /** -D definitions: NAME or NAME=VALUE. */
  defines?: string[];
  /**
   * Further preprocessor arguments, passed as given before the file: what a kernel build adds for a
   * configured tree (`-nostdinc`, `-include include/linux/kconfig.h`, `-D__KERNEL__` ...).
   */
  cppArgs?: string[];
}

export interface SourceDiagnostic {
  file: string;
  line?: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

export type BuiltObject =
  | { ok: true; bytes: Uint8Array; warnings: SourceDiagnostic[] }
  | { ok: false; diagnostics: SourceDiagnostic[] };

/** Preprocesses and assembles `file`. Only a missing toolchain throws (ToolMissingError). */
export async function assembleSource(file: string, options: SourceOptions = {}): Promise<BuiltObject> {
  const dir = await mkdtemp(join(tmpdir(), 'kexec-contract-obj-'));
  try {
    const pre = join(dir, 'pre.s');
    const obj = join(dir, 'out.o');
    const cppArgs = [
      '-E',
      '-x',
      'assembler-with-cpp',
      '-D__ASSEMBLY__',
      ...(options.defines ?? []).map((d) => `-D${d}`),
      ...(options.includes ?? []).map((i) => `-I${i}`),
      ...(options.cppArgs ?? []),
      file,
      '-o',
      pre,
    ];
    let r = await run('gcc', cppArgs).catch(async (e: unknown) => {
      // No gcc: the standalone preprocessor takes the same arguments (minus -E).
      if (e instanceof ToolMissingError) return run('cpp', cppArgs.slice(1));
      throw e;
    });
    const cppMessages = parseCppMessages(r.stderr);
    if (r.code !== 0)
      return { ok: false, diagnostics: orFallback(cppMessages, file, r.stderr, 'the preprocessor failed') };

    r = await run('as', ['--64', '--gdwarf-5', '-o', obj, pre]);
    const asMessages = parseAsMessages(r.stderr, pre, file);
    const errors = asMessages.filter((m) => m.severity === 'error');
    if (r.code !== 0 || errors.length)
      return { ok: false, diagnostics: orFallback(errors, file, r.stderr, 'the assembler failed') };
    const warnings = [...cppMessages, ...asMessages].filter((m) => m.severity === 'warning');
    return { ok: true, bytes: new Uint8Array(await readFile(obj)), warnings };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function orFallback(
  messages: SourceDiagnostic[],
  file: string,
  stderr: string,
  what: string,
): SourceDiagnostic[] {
  if (messages.length) return messages;
  return [{ file, severity: 'error', message: stderr.trim().split('\n').pop() || what }];
}

/** `file.S:3:10: fatal error: foo.h: No such file or directory` and the like. */
function parseCppMessages(stderr: string): SourceDiagnostic[] {
  const out: SourceDiagnostic[] = [];
  for (const text of stderr.split('\n')) {
    const m = /^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning): (.*)$/.exec(text);
    if (!m) continue;
    out.push({
      file: m[1]!,
      line: Number(m[2]),
      ...(m[3] ? { column: Number(m[3]) } : {}),
      severity: m[4] === 'warning' ? 'warning' : 'error',
      message: m[5]!,
    });
  }
  return out;
}

/**
 * GNU as: `file.S:7: Error: ...` (the file from the preprocessor's line markers). A message placed in
 * the temporary file itself (no marker applied) is reported at the user's file without a line.
 */
function parseAsMessages(stderr: string, pre: string, file: string): SourceDiagnostic[] {
  const out: SourceDiagnostic[] = [];
  for (const text of stderr.split('\n')) {
    const m = /^(.*?)(?::(\d+))?: (Error|Warning|Fatal error|Info): (.*)$/.exec(text);
    if (!m) continue;
    const at = m[1] === pre ? { file } : { file: m[1]!, ...(m[2] ? { line: Number(m[2]) } : {}) };
    if (m[3] === 'Info') {
      const last = out[out.length - 1];
      if (last) last.message += ` (${m[4]}${at.line !== undefined ? ` at ${at.file}:${at.line}` : ''})`;
      continue;
    }
    out.push({ ...at, severity: m[3] === 'Warning' ? 'warning' : 'error', message: m[4]! });
  }
  return out;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ code: 0, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown };
      if (e.code === 'ENOENT')
        return reject(
          new ToolMissingError(
            cmd === 'as' ? 'as (assembler)' : `${cmd} (C preprocessor; package: gcc or cpp)`,
          ),
        );
      if (typeof e.code === 'number') return resolve({ code: e.code, stderr });
      reject(new Error(`${cmd} failed: ${err.message}`));
    });
  });
}
