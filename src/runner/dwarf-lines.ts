// Reads the DWARF line table (.debug_line, versions 2-5) of a linked ELF into address -> line rows.
// GNU as writes one line program per assembled file when given --gdwarf-N; the assembler driver uses
// the rows to tell the trace viewer which source line each instruction came from, and the object
// loader (src/runner/object) to name the user's own file and line. Version 5 file tables name their
// strings by offset into .debug_line_str / .debug_str: pass those sections to get file names.

export interface LineRow {
  address: bigint;
  line: number;
  /**
   * The row's file as the line table spells it, joined to its directory entry when that is not the
   * compilation directory. Undefined for DWARF 5 tables whose strings were not passed.
   */
  file?: string;
}

/** String sections a DWARF 5 file table may point into (already relocated, for an object file). */
export interface LineStrings {
  lineStr?: Uint8Array;
  str?: Uint8Array;
}

export function readLineRows(data: Uint8Array, strings: LineStrings = {}): LineRow[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const rows: LineRow[] = [];
  let unit = 0;
  while (unit + 4 <= data.length) {
    const unitLength = view.getUint32(unit, true);
    if (unitLength === 0xffffffff) break; // 64-bit DWARF: GNU as does not emit it for x86-64
    const end = unit + 4 + unitLength;
    const version = view.getUint16(unit + 4, true);
    let p = unit + 6;
    if (version >= 5) p += 2; // address_size, segment_selector_size
    const headerLength = view.getUint32(p, true);
    p += 4;
    const program = p + headerLength;
    const minInst = data[p++]!;
    if (version >= 4) p++; // maximum_operations_per_instruction (1 on x86)
    const defaultIsStmt = data[p++]!;
    void defaultIsStmt;
    const lineBase = view.getInt8(p++);
    const lineRange = data[p++]!;
    const opcodeBase = data[p++]!;
    const stdLengths = Array.from(data.subarray(p, p + opcodeBase - 1));
    p += opcodeBase - 1;
    const files = version < 5 ? fileNames(data, p) : fileNamesV5(data, view, p, strings);
    runProgram(
      data,
      view,
      program,
      end,
      { minInst, lineBase, lineRange, opcodeBase, stdLengths, files, fileBase: version < 5 ? 1 : 0 },
      rows,
    );
    unit = end;
  }
  return rows;
}

/** DWARF 2-4 header tail: include_directories then file_names (1-based in the program). */
function fileNames(data: Uint8Array, p: number): string[] {
  const cstring = (): string => {
    let end = p;
    while (data[end] !== 0) end++;
    const s = new TextDecoder().decode(data.subarray(p, end));
    p = end + 1;
    return s;
  };
  const uleb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = data[p++]!;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return result;
    }
  };
  const dirs: string[] = [];
  for (let d = cstring(); d !== ''; d = cstring()) dirs.push(d);
  const files: string[] = [];
  for (;;) {
    const name = cstring();
    if (name === '') return files;
    const dir = uleb();
    uleb();
    uleb();
    // Directory 0 is the compilation directory; the others are include_directories[dir - 1].
    files.push(joinDir(dir > 0 ? dirs[dir - 1] : undefined, name));
  }
}

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

/**
 * DWARF 5 header tail: directory and file entry formats, then the entries (0-based in the program;
 * directory 0 is the compilation directory). Strings come inline or from .debug_line_str/.debug_str.
 */
function fileNamesV5(data: Uint8Array, view: DataView, p: number, strings: LineStrings): string[] {
  const uleb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = data[p++]!;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return result;
    }
  };
  const cstringAt = (bytes: Uint8Array | undefined, o: number): string | undefined => {
    if (!bytes || o >= bytes.length) return undefined;
    let end = o;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(o, end));
  };
  /** One attribute value: a string, a number, or undefined for forms we skip. */
  const value = (form: number): string | number | undefined => {
    switch (form) {
      case 0x08: {
        const s = cstringAt(data, p)!;
        p += new TextEncoder().encode(s).length + 1;
        return s;
      }
      case 0x1f: // DW_FORM_line_strp
        p += 4;
        return cstringAt(strings.lineStr, view.getUint32(p - 4, true));
      case 0x0e: // DW_FORM_strp
        p += 4;
        return cstringAt(strings.str, view.getUint32(p - 4, true));
      case 0x0f: // udata
        return uleb();
      case 0x0b:
        return data[p++]!;
      case 0x05:
        p += 2;
        return view.getUint16(p - 2, true);
      case 0x06:
        p += 4;
        return view.getUint32(p - 4, true);
      case 0x07:
        p += 8;
        return undefined;
      case 0x1e: // data16 (MD5)
        p += 16;
        return undefined;
      case 0x09: // block
        p += uleb();
        return undefined;
      default:
        throw new RangeError(`DWARF 5 line table: unsupported form 0x${form.toString(16)}`);
    }
  };
  const entries = (): { path?: string; dir?: number }[] => {
    const formatCount = data[p++]!;
    const formats: [number, number][] = [];
    for (let i = 0; i < formatCount; i++) formats.push([uleb(), uleb()]);
    const count = uleb();
    const out: { path?: string; dir?: number }[] = [];
    for (let i = 0; i < count; i++) {
      const e: { path?: string; dir?: number } = {};
      for (const [type, form] of formats) {
        const v = value(form);
        if (type === DW_LNCT_path && typeof v === 'string') e.path = v;
        else if (type === DW_LNCT_directory_index && typeof v === 'number') e.dir = v;
      }
      out.push(e);
    }
    return out;
  };
  try {
    const dirs = entries().map((d) => d.path);
    return entries().map((f) =>
      f.path === undefined ? '' : joinDir(f.dir ? dirs[f.dir] : undefined, f.path),
    );
  } catch {
    return [];
  }
}

function joinDir(dir: string | undefined, name: string): string {
  if (!dir || name.startsWith('/')) return name;
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

interface Header {
  files: string[];
  /** The file register's number for files[0]: 1 before DWARF 5, 0 from it. */
  fileBase: number;
  minInst: number;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  stdLengths: number[];
}

function runProgram(
  data: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  h: Header,
  rows: LineRow[],
) {
  let p = start;
  const uleb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = data[p++]!;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return result;
    }
  };
  const sleb = (): number => {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = data[p++]!;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return b & 0x40 ? result - 2 ** shift : result;
  };
  let address = 0n;
  let line = 1;
  let file = 1;
  const emit = () => rows.push({ address, line, file: h.files[file - h.fileBase] || undefined });
  while (p < end) {
    const op = data[p++]!;
    if (op >= h.opcodeBase) {
      const adj = op - h.opcodeBase;
      address += BigInt(Math.floor(adj / h.lineRange) * h.minInst);
      line += h.lineBase + (adj % h.lineRange);
      emit();
      continue;
    }
    switch (op) {
      case 0: {
        const len = uleb();
        const next = p + len;
        const sub = data[p++];
        if (sub === 1) {
          address = 0n;
          line = 1;
          file = 1;
        } else if (sub === 2) {
          address = view.getBigUint64(p, true);
        }
        p = next;
        break;
      }
      case 1:
        emit();
        break;
      case 2:
        address += BigInt(uleb() * h.minInst);
        break;
      case 3:
        line += sleb();
        break;
      case 4:
        file = uleb();
        break;
      case 5:
      case 12:
        uleb();
        break;
      case 8:
        address += BigInt(Math.floor((255 - h.opcodeBase) / h.lineRange) * h.minInst);
        break;
      case 9:
        address += BigInt(view.getUint16(p, true));
        p += 2;
        break;
      case 6:
      case 7:
      case 10:
      case 11:
        break;
      default:
        for (let i = 0; i < (h.stdLengths[op - 1] ?? 0); i++) uleb();
    }
  }
}
