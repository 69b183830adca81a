// Splitting an expect line into what the checks table shows: the item (left side), the relation and
// the expected value. Display only; the expect language itself is parsed by src/model/expect.

export interface CheckRow {
  item: string;
  relation: string;
  expected: string;
  comment?: string;
  kind: 'check' | 'undefined';
}

const RELATIONS = ['==', '!=', '<=', '>=', '<', '>', ' in '];

export function splitCheck(source: string, kind: 'check' | 'undefined'): CheckRow {
  const hash = source.indexOf('#');
  const comment = hash >= 0 ? source.slice(hash + 1).trim() : undefined;
  const line = (hash >= 0 ? source.slice(0, hash) : source).trim();
  const word = /^(.*\S)\s+(undefined|unchanged)$/.exec(line);
  if (word) return { item: word[1], relation: '', expected: word[2], comment, kind };
  for (const rel of RELATIONS) {
    const at = line.indexOf(rel);
    if (at > 0) {
      return {
        item: line.slice(0, at).trim(),
        relation: rel.trim(),
        expected: line.slice(at + rel.length).trim(),
        comment,
        kind,
      };
    }
  }
  return { item: line, relation: '', expected: 'true', comment, kind };
}
