// Integer instructions: values and the defined flags (undefined ones are left out by `flags()`).
import { describe, expect, it } from 'vitest';
import { flags, reg, run } from './interp-helpers.ts';

type Case = [src: string, regs: Record<string, bigint>, flags?: string];

function table(cases: Case[]) {
  return it.each(cases)('%s', async (src, regs, f) => {
    const r = await run(`${src}; hlt`);
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    for (const [name, v] of Object.entries(regs)) expect(reg(r, name as 'rax'), name).toBe(v);
    if (f !== undefined) expect(flags(r)).toBe(f);
  });
}

describe('add / sub / adc / sbb / cmp', () => {
  table([
    ['mov $0x7fffffff,%eax; add $1,%eax', { rax: 0x80000000n }, 'PF AF SF OF'],
    ['mov $-1,%rax; add $1,%rax', { rax: 0n }, 'CF PF AF ZF'],
    ['movabs $0x7fffffffffffffff,%rax; add $1,%rax', { rax: 0x8000000000000000n }, 'PF AF SF OF'],
    ['mov $0xff,%al; add $1,%al', { rax: 0n }, 'CF PF AF ZF'],
    ['xor %eax,%eax; sub $1,%eax', { rax: 0xffffffffn }, 'CF PF AF SF'],
    ['movabs $0x8000000000000000,%rax; sub $1,%rax', { rax: 0x7fffffffffffffffn }, 'PF AF OF'],
    ['stc; mov $1,%al; adc $1,%al', { rax: 3n }, 'PF'],
    ['stc; mov $-1,%rax; adc $0,%rax', { rax: 0n }, 'CF PF AF ZF'],
    ['stc; xor %eax,%eax; stc; sbb $0,%al', { rax: 0xffn }, 'CF PF AF SF'],
    ['stc; mov $5,%rax; mov $5,%rbx; sbb %rbx,%rax', { rax: 0xffffffffffffffffn }, 'CF PF AF SF'],
    ['mov $5,%eax; cmp $7,%eax', { rax: 5n }, 'CF AF SF'],
    ['mov $0x1234,%ax; add $0x10,%ah', { rax: 0x2234n }, 'PF'],
  ]);
});

describe('inc / dec / neg / not keep or set CF as the SDM says', () => {
  table([
    ['stc; mov $-1,%eax; inc %eax', { rax: 0n }, 'CF PF AF ZF'],
    ['clc; mov $-1,%eax; inc %eax', { rax: 0n }, 'PF AF ZF'],
    ['stc; mov $1,%eax; dec %eax', { rax: 0n }, 'CF PF ZF'],
    ['mov $0x80,%bl; dec %bl', { rbx: 0x7fn }, 'AF OF'],
    ['xor %eax,%eax; stc; neg %eax', { rax: 0n }, 'PF ZF'],
    ['mov $1,%eax; neg %eax', { rax: 0xffffffffn }, 'CF PF AF SF'],
    ['mov $0x80000000,%eax; neg %eax', { rax: 0x80000000n }, 'CF PF SF OF'],
    ['stc; mov $0x0f,%al; not %al', { rax: 0xf0n }, 'CF'],
  ]);
});

describe('logic', () => {
  table([
    ['stc; mov $0xf0,%eax; and $0x0f,%eax', { rax: 0n }, 'PF ZF'],
    ['mov $-1,%rax; or $0,%rax', { rax: 0xffffffffffffffffn }, 'PF SF'],
    ['movabs $0x123456789abcdef0,%rax; xor %eax,%eax', { rax: 0n }, 'PF ZF'],
    ['mov $0x80,%al; test %al,%al', { rax: 0x80n }, 'SF'],
  ]);
});

describe('shifts: count 0, 1 and the width', () => {
  table([
    ['stc; mov $1,%eax; mov $0,%cl; shl %cl,%eax', { rax: 1n }, 'CF'],
    ['movabs $0x123456789,%rax; mov $0,%cl; shl %cl,%eax', { rax: 0x23456789n }],
    ['mov $0x80000001,%eax; shl $1,%eax', { rax: 2n }, 'CF OF'],
    ['mov $1,%al; mov $8,%cl; shl %cl,%al', { rax: 0n }, 'CF PF ZF'],
    ['stc; mov $1,%eax; mov $32,%cl; shl %cl,%eax', { rax: 1n }, 'CF'],
    ['mov $1,%rax; mov $63,%cl; shl %cl,%rax', { rax: 0x8000000000000000n }, 'PF SF'],
    ['mov $0x80000001,%eax; shr $1,%eax', { rax: 0x40000000n }, 'CF PF OF'],
    ['mov $-4,%eax; sar $1,%eax', { rax: 0xfffffffen }, 'SF'],
    ['mov $-1,%rax; sar $63,%rax', { rax: 0xffffffffffffffffn }, 'CF PF SF'],
    ['mov $0x81,%al; mov $9,%cl; sar %cl,%al', { rax: 0xffn }, 'CF PF SF'],
  ]);
});

describe('rotates: CF and OF', () => {
  table([
    ['mov $0x80000000,%eax; rol $1,%eax', { rax: 1n }, 'CF OF'],
    ['mov $1,%eax; ror $1,%eax', { rax: 0x80000000n }, 'CF OF'],
    ['mov $3,%eax; ror $1,%eax', { rax: 0x80000001n }, 'CF OF'],
    ['mov $2,%eax; ror $1,%eax', { rax: 1n }, ''],
    ['xor %eax,%eax; stc; rcl $1,%eax', { rax: 1n }, 'PF ZF'],
    ['stc; mov $1,%eax; rcr $1,%eax', { rax: 0x80000000n }, 'CF OF'],
    ['clc; mov $0x81,%al; mov $9,%cl; rcl %cl,%al', { rax: 0x81n }],
    ['movabs $0x8000000000000001,%rax; rol $4,%rax', { rax: 0x18n }],
  ]);
  it('rotates do not touch SF/ZF/PF', async () => {
    const r = await run(`xor %eax,%eax; mov $1,%ebx; rol $1,%ebx; hlt`);
    expect(flags(r)).toBe('PF ZF');
  });
});

describe('mul / imul: CF and OF say whether the high half is significant', () => {
  table([
    ['mov $0x80000000,%eax; mov $2,%ebx; mul %ebx', { rax: 0n, rdx: 1n }, 'CF OF'],
    ['mov $3,%eax; mov $2,%ebx; mov $9,%edx; mul %ebx', { rax: 6n, rdx: 0n }, ''],
    ['mov $0x80,%al; mov $2,%bl; mul %bl', { rax: 0x100n }, 'CF OF'],
    ['mov $-1,%rax; mov $-1,%rbx; mul %rbx', { rax: 1n, rdx: 0xfffffffffffffffen }, 'CF OF'],
    ['mov $-1,%eax; mov $2,%ebx; imul %ebx', { rax: 0xfffffffen, rdx: 0xffffffffn }, ''],
    ['mov $0x40000000,%eax; imul $4,%eax,%ecx', { rcx: 0n }, 'CF OF'],
    ['mov $-3,%rax; mov $5,%rbx; imul %rbx,%rax', { rax: 0xfffffffffffffff1n }, ''],
    ['mov $0x7fff,%ax; imul $2,%ax,%bx', { rbx: 0xfffen }, 'CF OF'],
  ]);
});

describe('div / idiv', () => {
  table([
    ['xor %edx,%edx; mov $7,%eax; mov $2,%ecx; div %ecx', { rax: 3n, rdx: 1n }],
    ['mov $-7,%eax; cdq; mov $2,%ecx; idiv %ecx', { rax: 0xfffffffdn, rdx: 0xffffffffn }],
    ['mov $1,%rdx; xor %eax,%eax; mov $2,%rcx; div %rcx', { rax: 0x8000000000000000n, rdx: 0n }],
    ['mov $0x107,%ax; mov $2,%bl; div %bl', { rax: 0x0183n }],
  ]);
  it.each([
    ['xor %ecx,%ecx; div %ecx'],
    ['mov $1,%edx; xor %eax,%eax; mov $1,%ecx; div %ecx'],
    ['mov $0x80000000,%eax; cdq; mov $-1,%ecx; idiv %ecx'],
    ['mov $0x200,%ax; mov $2,%bl; div %bl'],
  ])('%s -> #DE', async (src) => {
    const r = await run(`${src}; hlt`);
    expect(r.stop.reason).toBe('triple-fault');
    expect(r.stop.vector).toBe(0);
  });
});

describe('bit tests and scans', () => {
  table([
    ['mov $5,%eax; bt $2,%eax', { rax: 5n }, 'CF'],
    ['mov $5,%eax; bts $1,%eax', { rax: 7n }, ''],
    ['mov $5,%eax; btr $0,%eax', { rax: 4n }, 'CF'],
    ['mov $5,%eax; btc $3,%eax', { rax: 13n }, ''],
    ['mov $1,%rax; mov $64,%ecx; bt %rcx,%rax', { rax: 1n }, 'CF'],
    ['movq $0,0x9000; movb $0x80,0x9001; mov $15,%rcx; bt %rcx,0x9000', {}, 'CF'],
    ['movq $0,0x9000; movb $0x80,0x9007; mov $-1,%rcx; bts %rcx,0x9008', {}, 'CF'],
    ['mov $200,%ecx; movq $0,0x9000; bts %ecx,0x9000; mov 0x9018,%rax', { rax: 0x100n }, ''],
    ['mov $0x50,%ebx; bsf %ebx,%eax; bsr %ebx,%ecx', { rax: 4n, rcx: 6n }],
    ['mov $7,%eax; xor %ebx,%ebx; bsf %ebx,%eax', { rax: 7n }],
  ]);
});

describe('data movement and conversions', () => {
  table([
    ['movabs $0x123456789abcdef0,%rax; bswap %rax', { rax: 0xf0debc9a78563412n }],
    ['mov $0x12345678,%ebx; bswap %ebx', { rbx: 0x78563412n }],
    [
      'mov $0x80,%eax; movsx %al,%rbx; movzx %al,%ecx; movsbw %al,%dx',
      { rbx: 0xffffffffffffff80n, rcx: 0x80n, rdx: 0xff80n },
    ],
    ['mov $0x80000000,%eax; movsxd %eax,%rdi', { rdi: 0xffffffff80000000n }],
    ['mov $0x80,%eax; cbw; cwde; cdqe', { rax: 0xffffffffffffff80n }],
    ['mov $-5,%rax; cqo', { rdx: 0xffffffffffffffffn }],
    ['mov $0x8000,%eax; mov $7,%edx; cwd', { rdx: 0xffffn }],
    ['mov $5,%eax; mov $7,%ebx; xadd %rbx,%rax', { rax: 12n, rbx: 5n }, 'PF'],
    ['mov $5,%ebp; xadd %ebp,%ebp', { rbp: 10n }, 'PF'],
    ['mov $7,%eax; mov $7,%ebx; mov $9,%ecx; cmpxchg %ecx,%ebx', { rax: 7n, rbx: 9n }, 'PF ZF'],
    ['mov $1,%eax; mov $7,%ebx; mov $9,%ecx; cmpxchg %ecx,%ebx', { rax: 7n, rbx: 7n }, 'CF PF AF SF'],
    [
      'mov $0x1000,%rbx; mov $3,%rcx; lea 8(%rbx,%rcx,4),%rax; lea -1(%ebx),%edx',
      { rax: 0x1014n, rdx: 0xfffn },
    ],
    ['movq $0x55,0x9000; mov $0x66,%eax; xchg %rax,0x9000; mov 0x9000,%rbx', { rax: 0x55n, rbx: 0x66n }],
    ['movabs $0x1122334455667788,%rax; mov %al,%ah', { rax: 0x1122334455668888n }],
    ['movabs $-1,%rax; mov $1,%eax', { rax: 1n }],
    ['movabs $-1,%rax; mov $1,%ax', { rax: 0xffffffffffff0001n }],
    ['mov $0xd5,%ah; sahf; lahf', {}, 'CF PF AF ZF SF'],
    // xlatb: AL = [rBX + AL], AL zero-extended; the rest of RAX kept.
    ['movl $0x44332211,0x9080; mov $0x9000,%ebx; movabs $0x7700000081,%rax; xlatb', { rax: 0x7700000022n }],
    // addr32: EBX + AL wraps at 4 GiB (to physical 1 here); RBX's high half is ignored.
    ['movb $0x5a,1; movabs $0x12ffffffff,%rbx; mov $2,%eax; addr32 xlatb; mov %eax,%ecx', { rcx: 0x5an }],
    // A segment override applies (FS base 0x1000 through its MSR).
    [
      'movq $0x66,0x9010; mov $0xc0000100,%ecx; mov $0x1000,%eax; xor %edx,%edx; wrmsr; mov $0x8000,%ebx; mov $0x10,%al; xlatb %fs:(%rbx)',
      { rax: 0x1066n },
    ],
  ]);
});

describe('setcc / cmovcc', () => {
  table([
    ['mov $1,%eax; cmp $2,%eax; setl %bl; setb %cl; setg %dl', { rbx: 1n, rcx: 1n, rdx: 0n }],
    ['mov $-1,%eax; cmp $1,%eax; setl %bl; setb %cl', { rbx: 1n, rcx: 0n }],
    ['mov $-1,%rsi; mov $5,%ebx; xor %eax,%eax; cmovnz %ebx,%esi', { rsi: 0xffffffffn }],
    ['mov $-1,%rsi; mov $5,%rbx; xor %eax,%eax; cmovz %rbx,%rsi', { rsi: 5n }],
  ]);
});

describe('flag instructions', () => {
  table([
    ['stc; cmc; setc %al; stc; setc %bl; clc; setc %cl', { rax: 0n, rbx: 1n, rcx: 0n }],
    ['std; pushfq; pop %rax; cld', { rax: 0x402n }],
  ]);
});
