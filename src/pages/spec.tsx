// /spec: the contract's own address, which the docs plugin leaves without a page (its chapters live at
// /spec/<chapter>). It sends the reader to the first chapter of the newest release, without JavaScript
// too (a meta refresh), and says where the working copy is.

import React, { useEffect } from 'react';
import Head from '@docusaurus/Head';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import { useHistory } from '@docusaurus/router';
import { useLatestVersion, useVersions, type GlobalVersion } from '@docusaurus/plugin-content-docs/client';

/** The path of a version's first chapter. */
function mainDocPath(version: GlobalVersion): string {
  return version.docs.find((d) => d.id === version.mainDocId)?.path ?? version.path;
}

export default function SpecIndex(): React.ReactElement {
  const latest = useLatestVersion('spec');
  const current = useVersions('spec').find((v) => v.name === 'current' && !v.isLast);
  const target = mainDocPath(latest);
  const history = useHistory();
  useEffect(() => history.replace(target), [history, target]);
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
