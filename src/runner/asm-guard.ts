// A spec block must not read the disk. GNU as can read files with `.include` and `.incbin`; a macro can
// also build a directive name from its arguments (`.\name`, `.inc\()lude`) or, in `.altmacro` mode,
// without a backslash. This scanner refuses all of those before the assembler ever sees the source.
// It strips comments (`#`, `/* */`) and string/character literals first, so text that only *mentions*
// a directive (a comment, an .ascii string) is not refused.

export interface GuardProblem {
  /** 1-based line in the block. */
  line: number;
  message: string;
}

const FILE_READERS = new Set(['.include', '.incbin']);

export function checkDirectives(source: string): GuardProblem[] {
  const problems: GuardProblem[] = [];
  const lines = stripLiterals(source).split('\n');
  lines.forEach((text, i) => {
    const line = i + 1;
    for (const m of text.matchAll(/(?<![\w.$\\])\.[A-Za-z_$][\w.$]*(\\)?/g)) {
      const name = m[0].replace(/\\$/, '').toLowerCase();
      if (FILE_READERS.has(name)) {
        problems.push({ line, message: `${name} is refused: a spec block must not read files` });
      } else if (name === '.altmacro') {
        problems.push({
          line,
          message: '.altmacro is refused: it lets macros build directive names that could read files',
        });
      } else if (m[1]) {
        problems.push({
          line,
          message: `directive name built by macro substitution (${m[0]}...) is refused: it could read files`,
        });
      }
    }
    // `.\arg`: a directive whose whole name is a macro argument.
    if (/(?<![\w.$])\.\\/.test(text)) {
      problems.push({
        line,
        message: 'directive name built by macro substitution (.\\...) is refused: it could read files',
      });
    }
  });
  return problems;
}

/** The source with comments and literals blanked out, newlines kept so line numbers stay right. */
export function stripLiterals(source: string): string {
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
    } else if (c === '"') {
      out += ' ';
      i++;
      while (i < n && source[i] !== '"' && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      if (source[i] === '"') i++;
    } else if (c === "'") {
      // A character constant: 'c or '\c.
      out += ' ';
      i++;
      if (source[i] === '\\') i++;
      if (i < n && source[i] !== '\n') i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
