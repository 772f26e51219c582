import { useEffect, useRef } from 'react';

/** What a mail's HTML may not bring into the page: anything that runs, loads, styles the page or frames. */
const DROPPED = 'script, style, link, meta, base, title, iframe, frame, object, embed, form';

/** Where a mail's inline styles wait, parsed as plain attributes, until they are set through the style object. */
const HELD_STYLE = 'data-mail-style';

/**
 * Style attributes renamed before the HTML is parsed: Chromium reports (and refuses) every style
 * attribute it parses under the page's policy, even into a DOMParser document. The server's
 * renderer escapes every text and attribute value, so each raw "<" opens a tag and the renaming is exact.
 */
const holdStyles = (html: string) => html.replace(/<[a-z][^>]*>/gi, (tag) => tag.replace(/\sstyle=/gi, ` ${HELD_STYLE}=`));

/**
 * A mail's HTML drawn as it would go out, in a shadow root of its own (the page's styles stay out,
 * the mail's stay in). The page's Content-Security-Policy refuses style attributes, and a srcdoc
 * frame inherits that policy: the mail's inline styles are set through each element's style
 * object, which the policy does not govern. Nothing of it runs, and its links go nowhere.
 */
export function MailHtml({ html, label }: { html: string; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const root = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' });
    const parsed = new DOMParser().parseFromString(holdStyles(html), 'text/html');
    parsed.querySelectorAll(DROPPED).forEach((element) => element.remove());
    const styled: [HTMLElement, string][] = [];
    for (const element of parsed.body.querySelectorAll<HTMLElement>('*')) {
      for (const name of element.getAttributeNames()) {
        if (name === HELD_STYLE) styled.push([element, element.getAttribute(name) ?? '']);
        if (name === HELD_STYLE || name.startsWith('on')) element.removeAttribute(name);
      }
    }
    const body = document.createElement('div');
    body.style.cssText = parsed.body.getAttribute(HELD_STYLE) ?? '';
    body.append(...parsed.body.childNodes);
    root.replaceChildren(body);
    for (const [element, css] of styled) element.style.cssText = css;
  }, [html]);
  return <div ref={host} className="mail-html" role="document" aria-label={label} onClickCapture={(event) => event.preventDefault()} />;
}
