// Which spec version a coverage or matrix page shows, and the same page for the other versions.

import React from 'react';
import Link from '@docusaurus/Link';
import type { VersionNav as Nav } from '../../site/data.ts';

export default function VersionNav({ nav }: { nav?: Nav }): React.ReactElement | null {
  if (!nav || nav.links.length < 2) return null;
  return (
    <p className="kc-version-nav" data-version-nav={nav.name}>
      Spec version <strong>{nav.label}</strong>
      {nav.name === 'current' ? ' (working copy, unreleased)' : ''}. Also:{' '}
      {nav.links
        .filter((l) => l.name !== nav.name)
        .map((l, i) => (
          <React.Fragment key={l.name}>
            {i > 0 && ', '}
            <Link to={l.href}>{l.label}</Link>
          </React.Fragment>
        ))}
      .
    </p>
  );
}
