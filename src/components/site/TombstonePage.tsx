// The page of a retired clause ID: its last text, why it was retired and what replaced it. The ID stays
// citable forever; its citation says it is retired.

import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import type { RetiredClause } from '../../site/data.ts';
import LevelBadge from '../LevelBadge.tsx';
import CopyCitation from '../CopyCitation.tsx';

export default function TombstonePage({
  data,
}: {
  data: RetiredClause & { replacementHref?: string; citation: string };
}): React.ReactElement {
  useBrokenLinks().collectAnchor(data.id);
  return (
    <Layout title={`${data.id} (retired)`} description={`Retired clause ${data.id}`}>
      <main className="container margin-vert--lg">
        <section className="kc-clause kc-clause-retired" id={data.id}>
          <header className="kc-clause-head">
            <a className="kc-clause-id" href={`#${data.id}`}>
              {data.id}
            </a>
            <span className="kc-badge kc-retired">retired</span>
            <LevelBadge level={data.level} />
            <span className="kc-stage">stage {data.stage}</span>
            <CopyCitation text={data.citation} id={data.id} />
          </header>
          <p>This clause ID is retired: it is no longer part of the contract. Its last text was:</p>
          <blockquote className="kc-last-text">{data.text}</blockquote>
          <p>
            <strong>Why:</strong> {data.reason ?? 'no reason was recorded.'}
          </p>
          <p>
            <strong>Replacement:</strong>{' '}
            {data.replacement ? (
              data.replacementHref ? (
                <Link to={data.replacementHref}>
                  <code>{data.replacement}</code>
                </Link>
              ) : (
                <code>{data.replacement}</code>
              )
            ) : (
              'none'
            )}
          </p>
        </section>
      </main>
    </Layout>
  );
}
