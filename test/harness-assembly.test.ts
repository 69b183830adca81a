// The stage's symbols are predefined for the assembler, after the example's lines (line numbers stay).

import { expect, test } from 'vitest';
import { withWorldSymbols } from '../src/harness/assembly.ts';

const symbols = { entry: 0x300000n, src: 0x400000n, control_page: 0x200000n, 'code.x': 1n };

test('adds the symbols the source uses, after its lines', () => {
  const src = '_start:\n    movq $src, %rsi\n    jmp entry';
  expect(withWorldSymbols(src, symbols)).toBe(`${src}\n.set entry, 0x300000\n.set src, 0x400000\n`);
});

test('leaves out names the source defines or does not mention', () => {
  expect(withWorldSymbols('entry:\n    hlt\n', symbols)).toBe('entry:\n    hlt\n');
  expect(withWorldSymbols('.set src, 5\nmovq $src, %rax\n', symbols)).toBe('.set src, 5\nmovq $src, %rax\n');
  expect(withWorldSymbols('movq $srcx, %rax\n', symbols)).toBe('movq $srcx, %rax\n');
  expect(withWorldSymbols('movq control_page.x, %rax\n', symbols)).toBe('movq control_page.x, %rax\n');
});
