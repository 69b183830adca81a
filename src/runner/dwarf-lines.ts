// Reads the DWARF line table (.debug_line, versions 2-5) of a linked ELF into address -> line rows.
// GNU as writes one line program per assembled file when given --gdwarf-N; the assembler driver uses
// the rows to tell the trace viewer which source line each instruction came from. File tables are
// skipped: the driver knows which block an address belongs to from the output section it falls in.

export interface LineRow {
  address: bigint;
  line: number;
  /** The row's file name as the line table spells it (DWARF 2-4; undefined for DWARF 5). */
  file?: string;
}

export function readLineRows(data: Uint8Array): LineRow[] {
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
    const files = version < 5 ? fileNames(data, p) : [];
    runProgram(
      data,
      view,
      program,
      end,
      { minInst, lineBase, lineRange, opcodeBase, stdLengths, files },
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
  const skipUleb = () => {
    while (data[p++]! & 0x80);
  };
  while (cstring() !== '');
  const files: string[] = [];
  for (;;) {
    const name = cstring();
    if (name === '') return files;
    skipUleb();
    skipUleb();
    skipUleb();
    files.push(name);
  }
}

interface Header {
  files: string[];
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
  const emit = () => rows.push({ address, line, file: h.files[file - 1] });
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
