import { expect, it } from 'vitest';
import { agree, plural } from '../src/components/plural.ts';

it('counts in the right number', () => {
  expect(plural(1, 'clause')).toBe('1 clause');
  expect(plural(0, 'clause')).toBe('0 clauses');
  expect(plural(2, 'other counterexample')).toBe('2 other counterexamples');
  expect(`${plural(1, 'clause')} ${agree(1, 'lacks', 'lack')}`).toBe('1 clause lacks');
  expect(`${plural(3, 'clause')} ${agree(3, 'lacks', 'lack')}`).toBe('3 clauses lack');
});
