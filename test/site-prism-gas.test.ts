// The AT&T (GNU as) Prism grammar the site highlights assembly with.

import { Prism } from 'prism-react-renderer';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGas } from '../src/components/prism-gas.ts';

type Token = string | { type: string; content: Token | Token[] };

/** `type:text` for every token, strings left out. */
function tokens(source: string): string[] {
  const text = (t: Token | Token[]): string =>
    Array.isArray(t) ? t.map(text).join('') : typeof t === 'string' ? t : text(t.content);
  return (Prism.tokenize(source, Prism.languages.gas!) as Token[])
    .filter((t): t is Exclude<Token, string> => typeof t !== 'string')
    .map((t) => `${t.type}:${text(t.content)}`);
}

beforeAll(() => registerGas(Prism as never));

describe('the gas grammar', () => {
  it('highlights the instruction after a numeric local label, and the label and its references', () => {
    expect(tokens('1:\tmovq\t(%rsi), %rax\n\tjnz\t1b\n2:\tret\n')).toEqual([
      'label:1:',
      'mnemonic:movq',
      'operator:(',
      'register:%rsi',
      'operator:)',
      'operator:,',
      'register:%rax',
      'mnemonic:jnz',
      'local-label:1b',
      'label:2:',
      'mnemonic:ret',
    ]);
  });

  it('keeps highlighting every line after such labels', () => {
    const t = tokens('_start:\n1:\tdecl %ecx\n\tjnz 1b\n\tmovl $0x18, %eax\n.Lx:\tpushq %rbx # saved\n');
    expect(t).toContain('mnemonic:movl');
    expect(t).toContain('immediate:$0x18');
    expect(t).toContain('label:.Lx:');
    expect(t).toContain('mnemonic:pushq');
    expect(t).toContain('comment:# saved');
  });
});
