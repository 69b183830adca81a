// The implementation matrix: rows are the implementations of spec/implementations.yaml, columns the
// checked clauses; a cell says whether that implementation's examples conform to or violate the clause
// (or that none exercises it), and links to the example that decided it.

import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import type { Matrix } from '../../site/data.ts';

const LABEL = { conforms: '✓ conforms', violates: '✗ violates', 'n/a': 'n/a' } as const;

export default function MatrixPage({ data }: { data: Matrix }): React.ReactElement {
  return (
    <Layout
      title="Implementations"
      description="Which implementation conforms to which clause, from this build's verdicts"
    >
      <main className="container margin-vert--lg kc-wide">
        <h1>Implementation matrix</h1>
        <p>
          Each row is an implementation modelled by examples in the spec; each column a checked clause. A cell
          is the verdict of that implementation's examples on the clause, computed by this build; it links to
          the example.
        </p>
        {data.implementations.length === 0 ? (
          <p className="kc-muted">No implementations are listed in spec/implementations.yaml.</p>
        ) : (
          <div className="kc-scroll">
            <table className="kc-matrix">
              <thead>
                <tr>
                  <th>implementation</th>
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
                    <th>
                      {impl.name} {impl.version}
                      {impl.source && <div className="kc-muted kc-small">{impl.source}</div>}
                    </th>
                    {data.cells[i].map((cell, j) => (
                      <td
                        key={data.clauses[j].id}
                        className={`kc-cell kc-cell-${cell.state === 'n/a' ? 'na' : cell.state}`}
                      >
                        {cell.state === 'n/a' ? (
                          <span title="no example of this implementation exercises the clause">
                            {LABEL['n/a']}
                          </span>
                        ) : (
                          <Link to={cell.href} title={`example ${cell.example}`}>
                            {LABEL[cell.state]}
                          </Link>
                        )}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </main>
    </Layout>
  );
}
