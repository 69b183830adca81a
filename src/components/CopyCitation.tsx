import React, { useEffect, useRef, useState } from 'react';

/**
 * Copies the citation text; says so for two seconds, visibly and to screen readers (a polite live
 * region next to the button). The button's accessible name carries the clause ID, so a list of
 * buttons is not a list of identical "Copy citation"s. Without clipboard access it shows the text in a
 * selectable text area instead.
 */
export default function CopyCitation({ text, id }: { text: string; id: string }): React.ReactElement {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async () => {
    clearTimeout(timer.current);
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
      timer.current = setTimeout(() => setState('idle'), 2000);
    } catch {
      // The text area stays, so the reader can select the text by hand.
      setState('failed');
    }
  };
  return (
    <span className="kc-cite kc-search-ignore">
      <button
        type="button"
        className="kc-button"
        onClick={copy}
        data-citation-for={id}
        aria-label={`Copy citation of ${id}`}
        title="Plain text for an email reply"
      >
        {state === 'copied' ? 'Copied' : 'Copy citation'}
      </button>
      <span className="kc-visually-hidden" role="status" aria-live="polite">
        {state === 'copied'
          ? `Citation of ${id} copied`
          : state === 'failed'
            ? `Could not copy; the citation of ${id} is in the text area below`
            : ''}
      </span>
      {state === 'failed' && (
        <textarea
          className="kc-cite-fallback"
          readOnly
          value={text}
          rows={6}
          aria-label={`Citation of ${id}`}
        />
      )}
    </span>
  );
}
