import React, { useState } from 'react';

/** Copies the citation text; says so for two seconds. Falls back to a selectable text area. */
export default function CopyCitation({ text, id }: { text: string; id: string }): React.ReactElement {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2000);
  };
  return (
    <span className="kc-cite">
      <button
        type="button"
        className="kc-button"
        onClick={copy}
        data-citation-for={id}
        title="Plain text for an email reply"
      >
        {state === 'copied' ? 'Copied' : 'Copy citation'}
      </button>
      {state === 'failed' && <textarea className="kc-cite-fallback" readOnly value={text} rows={6} />}
    </span>
  );
}
