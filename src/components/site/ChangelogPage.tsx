// The changelog: per release (and the unreleased working copy), every clause added, changed (with its
// old and new hash) or retired, computed by the build from the clause locks (src/markdown/changelog.ts).

import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import type { ChangelogEntry, ClauseChange } from '../../site/data.ts';
import LevelBadge from '../LevelBadge.tsx';
import { plural } from '../plural.ts';

type Change = ClauseChange & { href: string };
type Entry = Omit<ChangelogEntry, 'changes'> & { changes: Change[] };

const HEADINGS = { added: 'Added', changed: 'Changed', retired: 'Retired' } as const;

function ChangeItem({ c }: { c: Change }): React.ReactElement {
  return (
    <li className="kc-change">
      <Link to={c.href}>
        <code>{c.id}</code>
      </Link>{' '}
      <LevelBadge level={c.level} />
      {c.kind === 'changed' && c.old && (
        <span className="kc-muted kc-small">
          {' '}
          <code>{c.old.hash}</code> → <code>{c.hash}</code>
          {c.old.level !== c.level && ` (level ${c.old.level} → ${c.level})`}
        </span>
      )}
      {c.kind === 'added' && (
        <span className="kc-muted kc-small">
          {' '}
          <code>{c.hash}</code>
        </span>
      )}
      {c.kind === 'retired' && (
        <span className="kc-muted kc-small">
          {c.replacement && (
            <>
              {' '}
              replaced by <code>{c.replacement}</code>
            </>
          )}
          {c.reason && <>: {c.reason}</>}
        </span>
      )}
      {c.kind === 'changed' && c.old && c.old.text !== c.text && (
        <details>
          <summary className="kc-muted kc-small">text before and after</summary>
          <p className="kc-small">before ({c.old.hash}):</p>
          <blockquote className="kc-last-text">{c.old.text}</blockquote>
          <p className="kc-small">after ({c.hash}):</p>
          <blockquote className="kc-last-text">{c.text}</blockquote>
        </details>
      )}
    </li>
  );
}

export default function ChangelogPage({ data }: { data: Entry[] }): React.ReactElement {
  return (
    <Layout
      title="Changelog"
      description="Every clause added, changed or retired in each version of the contract"
    >
      <main className="container margin-vert--lg">
        <h1>Changelog</h1>
        <p>
          Generated from the clause locks (<code>spec/clauses.lock.json</code> and each release's copy): a
          clause is changed when the hash of its normative content (level, stage, text, checks) is; a retired
          ID keeps its tombstone page and stays citable.
        </p>
        {data.map((e) => (
          <section key={e.version} id={`version-${e.version}`}>
            <h2>
              {e.version === 'unreleased' ? 'Unreleased' : `Version ${e.version}`}
              {e.since && <span className="kc-muted kc-small"> (since {e.since})</span>}
            </h2>
            <p className="kc-muted">{plural(e.changes.length, 'clause change')}</p>
            {(['added', 'changed', 'retired'] as const).map((kind) => {
              const list = e.changes.filter((c) => c.kind === kind);
              if (!list.length) return null;
              return (
                <React.Fragment key={kind}>
                  <h3>
                    {HEADINGS[kind]} ({list.length})
                  </h3>
                  <ul className="kc-plain-list">
                    {list.map((c) => (
                      <ChangeItem key={c.id} c={c} />
                    ))}
                  </ul>
                </React.Fragment>
              );
            })}
          </section>
        ))}
      </main>
    </Layout>
  );
}
