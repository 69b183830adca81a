// The implementation matrix: rows are the implementations of spec/implementations.yaml, columns the
// checked clauses; a cell says whether that implementation's examples conform to or violate the clause
// (or that none exercises it), and links to the example that decided it.

import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import type { Matrix, VersionNav as Nav } from '../../site/data.ts';
import VersionNav from './VersionNav.tsx';
import { linkCommits, linkSources, type Piece } from './sources.ts';

/** Text with its links (external: the repositories the models were read from). */
function Pieces({ pieces }: { pieces: Piece[] }): React.ReactElement {
  return (
    <>
      {pieces.map((p, i) =>
        typeof p === 'string' ? (
          <React.Fragment key={i}>{p}</React.Fragment>
        ) : (
          <a key={i} href={p.href}>
            <code>{p.text}</code>
          </a>
        ),
      )}
    </>
  );
}

const SYMBOL = { conforms: '✓', violates: '✗', 'not-exercised': '?', 'n/a': '·' } as const;
const LABEL = {
  conforms: 'conforms',
  violates: 'violates',
  'not-exercised': 'not exercised (conforms, but nothing fails this clause)',
  'n/a': 'not applicable',
} as const;

/** Consecutive columns of the same stage, for the header row that groups them. */
function stageGroups(stages: string[]): { stage: string; span: number }[] {
  const groups: { stage: string; span: number }[] = [];
  for (const s of stages) {
    const last = groups.at(-1);
    if (last && last.stage === s) last.span++;
    else groups.push({ stage: s, span: 1 });
  }
  return groups;
}

export default function MatrixPage({ data }: { data: Matrix & { version?: Nav } }): React.ReactElement {
  return (
    <Layout
      title="Implementations"
      description="Which implementation conforms to which clause, from this build's verdicts"
    >
      <main className="container margin-vert--lg kc-wide">
        <h1>Implementation matrix</h1>
        <VersionNav nav={data.version} />
        <p>
          Each row is an implementation modelled by examples in the spec; each column a checked clause. A cell
          is the verdict of that implementation's examples on the clause, computed by this build; it links to
          the example.
        </p>
        {data.implementations.length === 0 ? (
          <p className="kc-muted">No implementations are listed in spec/implementations.yaml.</p>
        ) : (
          <>
            <p className="kc-legend kc-small">
              <span>✓ conforms</span>
              <span>✗ violates</span>
              <span>
                ? not exercised (conforms on a clause that neither a pass-through nor a counterexample fails)
              </span>
              <span>· not applicable (no model on that stage)</span>
            </p>
            <div className="kc-table-scroll">
              <table className="kc-matrix">
                <thead>
                  <tr>
                    <th rowSpan={2} className="kc-impl">
                      implementation
                    </th>
                    {stageGroups(data.clauses.map((c) => c.stage)).map((g, i) => (
                      <th key={i} colSpan={g.span} className="kc-stage-head">
                        stage {g.stage}
                      </th>
                    ))}
                  </tr>
                  <tr>
                    {data.clauses.map((c) => (
                      <th key={c.id} className="kc-matrix-col">
                        <Link to={c.href}>
                          <code>{c.id}</code>
                        </Link>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.implementations.map((impl, i) => (
                    <tr key={impl.id} data-impl={impl.id}>
                      <th className="kc-impl" title={[impl.version, impl.source].filter(Boolean).join('\n')}>
                        {impl.name}
                        <div className="kc-muted kc-small">
                          <code>{impl.id}</code>
                        </div>
                      </th>
                      {data.cells[i].map((cell, j) => (
                        <td
                          key={data.clauses[j].id}
                          className={`kc-cell kc-cell-${cell.state === 'n/a' ? 'na' : cell.state}`}
                        >
                          {cell.state === 'n/a' ? (
                            <span title={LABEL['n/a']} aria-label={LABEL['n/a']}>
                              {SYMBOL['n/a']}
                            </span>
                          ) : (
                            <Link
                              to={cell.href}
                              title={`${LABEL[cell.state]}: example ${cell.example}`}
                              aria-label={`${LABEL[cell.state]} (${cell.example})`}
                            >
                              {SYMBOL[cell.state]}
                            </Link>
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>Sources</h2>
            <p className="kc-small">
              The commit each model was read at, and the files it follows, in the repository the
              implementation comes from.
            </p>
            <div className="kc-table-scroll">
              <table className="kc-small kc-sources">
                <thead>
                  <tr>
                    <th>implementation</th>
                    <th>name</th>
                    <th>read at</th>
                    <th>files</th>
                  </tr>
                </thead>
                <tbody>
                  {data.implementations.map((impl) => (
                    <tr key={impl.id}>
                      <th>
                        <code>{impl.id}</code>
                      </th>
                      <td>{impl.name}</td>
                      <td>{impl.version && <Pieces pieces={linkCommits(impl.version)} />}</td>
                      <td>{impl.source && <Pieces pieces={linkSources(impl.source, impl.version)} />}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </main>
    </Layout>
  );
}
