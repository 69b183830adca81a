// iced-x86 -> plain Insn objects, cached per linear address.
// The WASM Instruction/Decoder/InstructionInfo objects are freed right after conversion; the cache is
// dropped page by page when the physical page behind the code is written (Machine.physWritten).

import {
  Code,
  Decoder,
  DecoderOptions,
  Formatter,
  FormatterSyntax,
  type Instruction,
  InstructionInfoFactory,
  MemorySizeExt,
  OpAccess,
  OpKind,
  Register,
} from 'iced-x86';
import { PAGE_SIZE } from '../memory.ts';
import { Fault, UD } from './fault.ts';
import { positionFree, rememberPositionFree } from './icache.ts';
import { IMM, type Insn, MEM, type Opnd, OTHER, REG } from './insn.ts';
import { AF, CF, DF, IF, type Machine, OF, PF, SF, ZF, mask } from './machine.ts';
import { codeEntry } from './ops/index.ts';

/** iced RflagsBits -> architectural RFLAGS bits. */
const ICED_FLAGS: [number, number][] = [
  [1, OF],
  [2, SF],
  [4, ZF],
  [8, AF],
  [16, CF],
  [32, PF],
  [64, DF],
  [128, IF],
  [256, 0x40000],
];

function archFlags(iced: number): number {
  let f = 0;
  for (const [b, a] of ICED_FLAGS) if (iced & b) f |= a;
  return f;
}

let formatter: Formatter | undefined;
let exactFormatter: Formatter | undefined;
let infoFactory: InstructionInfoFactory | undefined;

/**
 * iced-x86 1.21's formatter decides "small number, print in decimal" on the low 32 bits of a 64-bit
 * value and then prints those bits alone: `movabs $0x8000000000000000,%rax` comes out as `$0`, a jump to
 * 0x100000003 as `3`. Such an instruction is formatted without small decimal numbers (`$0x5`), exactly.
 */
function hasMisprintedNumber(ins: Instruction): boolean {
  const bad = (v: bigint) => v > 0xffffffffn && (v & 0xffffffffn) <= 9n;
  for (let n = 0; n < ins.opCount; n++) {
    const kind = ins.opKind(n);
    if (kind === OpKind.Immediate64 || kind === OpKind.Immediate8to64 || kind === OpKind.Immediate32to64) {
      if (bad(ins.immediate(n))) return true;
    } else if (kind === OpKind.Memory) {
      if (bad(ins.memoryDisplacementU64)) return true;
    } else if (kind === OpKind.NearBranch64 && bad(ins.nearBranch64)) return true;
  }
  return false;
}

/**
 * A GAS formatter that prints the operand-size suffix (`pushq`, `movl`), as the spec's AT&T sources
 * spell their instructions, so a trace line reads like the line it came from.
 */
function gasFormatter(): Formatter {
  const f = new Formatter(FormatterSyntax.Gas);
  f.gasShowMnemonicSizeSuffix = true;
  return f;
}

/** GAS text of an instruction, every number exact. */
function format(ins: Instruction): string {
  if (hasMisprintedNumber(ins)) {
    if (!exactFormatter) {
      exactFormatter = gasFormatter();
      exactFormatter.smallHexNumbersInDecimal = false;
    }
    return exactFormatter.format(ins);
  }
  formatter ??= gasFormatter();
  return formatter.format(ins);
}

/** GPR index, width and high-byte flag of an iced register (undefined for non-GPRs). */
function gpr(reg: number): { r: number; w: number; hb: boolean } | undefined {
  if (reg >= Register.AL && reg <= Register.R15L) {
    const n = reg - Register.AL;
    return { r: gpr8Index(reg), w: 8, hb: n >= 4 && n < 8 };
  }
  if (reg >= Register.AX && reg <= Register.R15W) return { r: reg - Register.AX, w: 16, hb: false };
  if (reg >= Register.EAX && reg <= Register.R15D) return { r: reg - Register.EAX, w: 32, hb: false };
  if (reg >= Register.RAX && reg <= Register.R15) return { r: reg - Register.RAX, w: 64, hb: false };
  return undefined;
}

/** SPL/BPL/SIL/DIL sit between BH and R8L in iced's numbering: fix their GPR index. */
function gpr8Index(reg: number): number {
  const n = reg - Register.AL;
  if (n < 4) return n;
  if (n < 8) return n - 4; // AH..BH (high bytes of 0..3)
  return n - 4; // SPL=8 -> 4, ..., R15L=19 -> 15
}

function blankOpnd(k: number, w: number): Opnd {
  return {
    k,
    w,
    r: -1,
    hb: false,
    il: 0,
    ih: 0,
    seg: 3,
    base: -1,
    idx: -1,
    scale: 1,
    dl: 0,
    dh: 0,
    asz: 64,
    rmw: false,
  };
}

function signedNum(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function convert(ins: Instruction, ip: number, bits: number, withText: boolean): Insn {
  const entry = codeEntry(ins.code, ins.mnemonic, ins.conditionCode);
  const opCount = ins.opCount;
  const spInc = ins.stackPointerIncrement;
  const msize =
    ins.op0Kind === OpKind.Memory || ins.op1Kind === OpKind.Memory ? MemorySizeExt.size(ins.memorySize) : 0;
  const insn: Insn = {
    ip,
    len: ins.length,
    next: 0,
    mn: entry.mn,
    code: ins.code,
    osz: entry.osz,
    far: entry.far,
    o: [],
    w: 0,
    cc: ins.conditionCode,
    rep: ins.hasRepnePrefix ? 2 : ins.hasRepPrefix || ins.hasRepePrefix ? 1 : 0,
    asz: bits,
    target: 0,
    farSel: 0,
    farOff: 0,
    spInc,
    fw: archFlags(ins.rflagsModified),
    fu: archFlags(ins.rflagsUndefined),
    msize,
    sseg: 3,
    exec: entry.exec,
    text: '',
  };
  const nextBig = ins.nextIP;
  insn.next = bits === 64 ? signedNum(nextBig) : Number(nextBig & 0xffffffffn);
  let access0 = OpAccess.None;
  if (ins.op0Kind === OpKind.Memory) {
    infoFactory ??= new InstructionInfoFactory();
    const info = infoFactory.info(ins);
    access0 = info.op0Access;
    info.free();
  }
  for (let n = 0; n < opCount; n++) {
    const kind = ins.opKind(n);
    let o: Opnd;
    switch (kind) {
      case OpKind.Register: {
        const reg = ins.opRegister(n);
        const g = gpr(reg);
        if (g) {
          o = blankOpnd(REG, g.w);
          o.r = g.r;
          o.hb = g.hb;
        } else {
          o = blankOpnd(OTHER, reg >= Register.ES && reg <= Register.GS ? 16 : bits === 64 ? 64 : 32);
          o.r = reg;
        }
        break;
      }
      case OpKind.Memory: {
        o = blankOpnd(MEM, MemorySizeExt.size(ins.memorySize) * 8);
        o.seg = ins.memorySegment - Register.ES;
        const base = ins.memoryBase;
        const index = ins.memoryIndex;
        let disp = ins.memoryDisplacementU64;
        let asz = bits === 16 ? 16 : bits;
        if (base === Register.RIP || base === Register.EIP) {
          disp = ins.ipRelMemoryAddress;
          asz = base === Register.RIP ? 64 : 32;
        } else if (base !== Register.None) {
          const g = gpr(base)!;
          o.base = g.r;
          asz = g.w;
        }
        // xlat's AL index is added by the operation (ops/int.ts): it is not a full-width index register.
        if (index !== Register.None && ins.code !== Code.Xlat_m8) {
          const g = gpr(index)!;
          o.idx = g.r;
          o.scale = ins.memoryIndexScale;
          asz = g.w;
        }
        if (asz !== 64) disp &= asz === 32 ? 0xffffffffn : 0xffffn;
        o.dl = Number(disp & 0xffffffffn);
        o.dh = Number((disp >> 32n) & 0xffffffffn);
        o.asz = asz;
        insn.asz = asz;
        o.rmw =
          n === 0 &&
          (access0 === OpAccess.ReadWrite ||
            access0 === OpAccess.ReadCondWrite ||
            access0 === OpAccess.CondWrite);
        break;
      }
      case OpKind.NearBranch16:
      case OpKind.NearBranch32:
      case OpKind.NearBranch64:
        o = blankOpnd(OTHER, bits);
        insn.target = bits === 64 ? signedNum(ins.nearBranch64) : Number(ins.nearBranch64 & 0xffffffffn);
        break;
      case OpKind.FarBranch16:
      case OpKind.FarBranch32:
        o = blankOpnd(OTHER, kind === OpKind.FarBranch16 ? 16 : 32);
        insn.farSel = ins.farBranchSelector;
        insn.farOff = kind === OpKind.FarBranch16 ? ins.farBranch16 : ins.farBranch32;
        break;
      case OpKind.MemorySegSI:
      case OpKind.MemorySegESI:
      case OpKind.MemorySegRSI:
      case OpKind.MemorySegDI:
      case OpKind.MemorySegEDI:
      case OpKind.MemorySegRDI:
      case OpKind.MemoryESDI:
      case OpKind.MemoryESEDI:
      case OpKind.MemoryESRDI: {
        o = blankOpnd(OTHER, MemorySizeExt.size(ins.memorySize) * 8);
        const k = kind;
        insn.asz =
          k === OpKind.MemorySegSI || k === OpKind.MemorySegDI || k === OpKind.MemoryESDI
            ? 16
            : k === OpKind.MemorySegESI || k === OpKind.MemorySegEDI || k === OpKind.MemoryESEDI
              ? 32
              : 64;
        if (k === OpKind.MemorySegSI || k === OpKind.MemorySegESI || k === OpKind.MemorySegRSI)
          insn.sseg = ins.memorySegment - Register.ES;
        break;
      }
      default: {
        // Immediates.
        o = blankOpnd(IMM, 64);
        const v = ins.immediate(n);
        o.il = Number(v & 0xffffffffn);
        o.ih = Number((v >> 32n) & 0xffffffffn);
      }
    }
    insn.o.push(o);
  }
  const o0 = insn.o[0];
  if (o0 && (o0.k === REG || o0.k === MEM)) insn.w = o0.w;
  else if (o0 && o0.k === OTHER && entry.string) insn.w = o0.w;
  else if (spInc !== 0) insn.w = Math.abs(spInc) * 8;
  else insn.w = bits === 64 ? 32 : bits;
  // Immediates take the width of the operation (an imm8 of `add $-1,%al` is 0xff, of `push $-1` 64 bits).
  for (const o of insn.o) {
    if (o.k !== IMM || o === o0) continue;
    if (insn.w < 64) {
      o.il = (o.il & mask(insn.w)) >>> 0;
      o.ih = 0;
    }
    o.w = insn.w;
  }
  if (withText) insn.text = format(ins);
  return insn;
}

/**
 * The instruction at linear address `lin` (RIP `rip`), decoded or from the cache.
 * Fetch faults (#PF on the code page) propagate; undecodable bytes raise #UD.
 */
export function fetchInsn(m: Machine, lin: number, rip: number, withText: boolean): Insn {
  const vpn = Math.floor(lin / PAGE_SIZE);
  const off = lin - vpn * PAGE_SIZE;
  const hit = m.icache.get(vpn)?.[off];
  if (hit) return hit;
  const { bytes, fault, pas } = m.fetchBytes(lin, 15);
  const bits = m.bits;
  // A page of nothing but known bytes (zero-filled RAM) is run through once: it is not cached.
  const page = m.icache.get(vpn);
  const known = !fault && positionFree(bits, withText, bytes, lin, rip, page !== undefined);
  if (known) return page ? cache(m, known, vpn, off, pas, page) : known;
  const decoder = new Decoder(bits, bytes, DecoderOptions.None);
  decoder.ip = bits === 64 ? BigInt.asUintN(64, BigInt(rip)) : BigInt(rip >>> 0);
  const ins = decoder.decode();
  try {
    if (ins.isInvalid) {
      if (fault) {
        // Re-raise the fetch fault of the page the instruction runs into (setting CR2 again).
        if (fault instanceof Fault && fault.vector === 14)
          m.fetchPage(Math.floor((lin + bytes.length) / PAGE_SIZE), lin + bytes.length);
        throw fault;
      }
      throw new Fault(UD, undefined, 'invalid opcode');
    }
    const insn = convert(ins, lin, bits, withText);
    if (!fault && !ins.isIpRelMemoryOperand && !hasNearBranch(ins))
      rememberPositionFree(bits, withText, bytes, insn);
    return cache(m, insn, vpn, off, pas);
  } finally {
    ins.free();
    decoder.free();
  }
}

function hasNearBranch(ins: Instruction): boolean {
  for (let n = 0; n < ins.opCount; n++) {
    const k = ins.opKind(n);
    if (k === OpKind.NearBranch16 || k === OpKind.NearBranch32 || k === OpKind.NearBranch64) return true;
  }
  return false;
}

/** Keep a decoded instruction in the page cache, watching the physical pages its bytes come from. */
function cache(
  m: Machine,
  insn: Insn,
  vpn: number,
  off: number,
  pas: number[],
  page = m.icache.get(vpn),
): Insn {
  const lastVpn = Math.floor((insn.ip + insn.len - 1) / PAGE_SIZE);
  for (let v = vpn, k = 0; v <= lastVpn; v++, k++) m.watchCode(pas[k]!, vpn);
  if (!page) {
    page = new Array(PAGE_SIZE);
    m.icache.set(vpn, page);
  }
  page[off] = insn;
  return insn;
}
