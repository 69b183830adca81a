// /spec: the contract's own address, which the docs plugin leaves without a page (its chapters live at
// /spec/<chapter>). It sends the reader to the first chapter of the newest release with a meta refresh
// (honoured on a full load, without JavaScript, and when the client router inserts it on a link to
// /spec; one mechanism, so there is never a second navigation racing the first), and says where the
// working copy is. A spec doc with `slug: /` would be hidden by this page (pages come before docs in
// the routes), so no doc of the spec may take /spec.

import React from 'react';
import Head from '@docusaurus/Head';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import { useLatestVersion, useVersions, type GlobalVersion } from '@docusaurus/plugin-content-docs/client';

/** The path of a version's first chapter. */
function mainDocPath(version: GlobalVersion): string {
  return version.docs.find((d) => d.id === version.mainDocId)?.path ?? version.path;
}

export default function SpecIndex(): React.ReactElement {
  const latest = useLatestVersion('spec');
  const current = useVersions('spec').find((v) => v.name === 'current' && !v.isLast);
  const target = mainDocPath(latest);
  return (
    <Layout title="The contract" description="The x86-64 kexec handoff contract">
      <Head>
        <meta httpEquiv="refresh" content={`0; url=${target}`} />
        <link rel="canonical" href={target} />
      </Head>
      <main className="container margin-vert--lg">
        <h1>The contract</h1>
        <p>
          The contract starts at its <Link to={target}>introduction</Link>
          {latest.name !== 'current' ? ` (version ${latest.label}, the newest release)` : ''}.
        </p>
        {current && (
          <p>
            The working copy, not yet released, is at{' '}
            <Link to={mainDocPath(current)}>{mainDocPath(current)}</Link>.
          </p>
        )}
      </main>
    </Layout>
  );
}
