import assert from 'node:assert/strict';

/*
 * HTML an attacker may put anywhere text goes (subjects, bodies, names, file names, mail). Every
 * payload that could run does so visibly: it sets `window.__xss`, opens a dialog, or asks the canary
 * (a loopback HTTP server of the test) for a URL; so a test can tell "inert" from "ran".
 */

/** What a payload runs when it runs. No quotes, so it fits in any attribute. */
export const JS = 'window.__xss=1,alert(1)';

const entities = (text: string, hex = false) => [...text].map((c) => (hex ? `&#x${c.charCodeAt(0).toString(16)};` : `&#${c.charCodeAt(0)};`)).join('');
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** The corpus; `canary` is an origin (`http://127.0.0.1:PORT`) whose requests a test counts. */
export function xssCorpus(canary: string): string[] {
  const script = `<script>${JS}</script>`;
  return [
    // Script elements, in every spelling.
    script,
    `<ScRiPt>${JS}</sCrIpT>`,
    `<script src="${canary}/script.js"></script>`,
    `<script>fetch('${canary}/fetch')</script>`,
    `"><script>${JS}</script>`,
    `</textarea></title></style><script>${JS}</script>`,
    `<scr<script>ipt>${JS}</scr</script>ipt>`,
    // Event handlers.
    `<img src=x onerror="${JS}">`,
    `<IMG SRC=x OnErRoR="${JS}">`,
    `<img src="x" onerror=${entities(JS)}>`,
    `<body onload="${JS}">`,
    `<details open ontoggle="${JS}">`,
    `<input autofocus onfocus="${JS}">`,
    `<video><source onerror="${JS}"></video>`,
    `<div onmouseover="${JS}" style="position:fixed;inset:0">hover</div>`,
    // javascript: URLs, plain, mixed case, padded, entity-encoded.
    `<a href="javascript:${JS}">click</a>`,
    `<a href="JaVaScRiPt:${JS}">click</a>`,
    `<a href=" &#14; javascript:${JS}">click</a>`,
    `<a href="java&#x09;script:${JS}">click</a>`,
    `<a href="${entities('javascript:')}${JS}">click</a>`,
    `<a href="${entities('javascript:', true)}${JS}">click</a>`,
    `<img src="javascript:${JS}">`,
    // SVG and MathML.
    `<svg onload="${JS}"></svg>`,
    `<svg><script>${JS}</script></svg>`,
    `<svg><a xlink:href="javascript:${JS}"><text y="20">x</text></a></svg>`,
    `<svg><animate onbegin="${JS}" attributeName="x" dur="1s"/></svg>`,
    `<math><mtext><table><mglyph><style><img src=x onerror="${JS}">`,
    `<noscript><p title="</noscript><img src=x onerror=${JS}>">`,
    // Documents that redirect or re-base the page.
    `<base href="${canary}/base/">`,
    `<meta http-equiv="refresh" content="0;url=${canary}/meta">`,
    `<meta http-equiv="refresh" content="0;url=javascript:${JS}">`,
    `<link rel="stylesheet" href="${canary}/link.css">`,
    `<link rel="prefetch" href="${canary}/prefetch">`,
    // Forms and formaction.
    `<form action="${canary}/form"><input name="q" value="x"><button>Send</button></form>`,
    `<form><button formaction="javascript:${JS}">x</button></form>`,
    `<isindex action="javascript:${JS}" type="submit">`,
    // CSS: url(), @import, expression().
    `<div style="background:url(${canary}/css-url)">css</div>`,
    `<div style="width:expression(${JS})">ie</div>`,
    `<style>@import '${canary}/import.css'; body { background: url(${canary}/style-url) }</style>`,
    `<p style="behavior:url(${canary}/x.htc)">htc</p>`,
    // Frames, objects, data: URLs.
    `<iframe srcdoc="${script.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"></iframe>`,
    `<iframe src="javascript:${JS}"></iframe>`,
    `<iframe src="${canary}/iframe"></iframe>`,
    `<object data="data:text/html;base64,${base64(script)}"></object>`,
    `<embed src="data:image/svg+xml;base64,${base64(`<svg xmlns="http://www.w3.org/2000/svg" onload="${JS}"/>`)}">`,
    `<a href="data:text/html;base64,${base64(script)}">data</a>`,
    `<img src="data:image/svg+xml,${encodeURIComponent(`<svg onload="${JS}"/>`)}">`,
    `<img srcset="${canary}/srcset 1x">`,
    // Text that only looks like markup: it must stay text.
    `&lt;script&gt;${JS}&lt;/script&gt;`,
    `${entities('<script>')}${JS}${entities('</script>')}`,
    `{{constructor.constructor('${JS}')()}}`,
    `<!--<img src="--><img src=x onerror="${JS}">`,
  ];
}

/** A plain-text field (subject, name, file name) may be at most this long: corpus items grouped to fit. */
export function chunked(items: readonly string[], max: number): string[] {
  const chunks: string[] = [];
  for (const item of items) {
    const last = chunks.at(-1);
    if (last !== undefined && last.length + item.length + 1 <= max) chunks[chunks.length - 1] = `${last} ${item}`;
    else chunks.push(item.slice(0, max));
  }
  return chunks;
}

/*
 * What the API promises about stored HTML (docs/security.md): only these elements, attributes and
 * URL schemes survive. Written out here on purpose, not imported: the test states the promise.
 */
const TAGS = new Set(['p', 'br', 'hr', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'sub', 'sup', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
const ATTRIBUTES: Record<string, Set<string>> = { a: new Set(['href', 'title', 'rel']), img: new Set(['src', 'alt', 'title', 'width', 'height']), td: new Set(['colspan', 'rowspan']), th: new Set(['colspan', 'rowspan']) };
const SCHEMES: Record<string, Set<string>> = { href: new Set(['http', 'https', 'mailto']), src: new Set(['http', 'https', 'cid']) };

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Character references decoded as a browser would in an attribute value. */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1]!.toLowerCase() === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    const named = NAMED[ref.toLowerCase()];
    // An unknown named reference in our own output would be a surprise worth failing on.
    assert.ok(named !== undefined, `an unexpected character reference ${whole}`);
    return named;
  });
}

/** The scheme a browser would see in a URL attribute (tabs and newlines removed, C0 and spaces trimmed). */
export function schemeOf(url: string): string | undefined {
  const cleaned = decodeEntities(url).replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '');
  return /^([a-z][a-z0-9+.-]*):/i.exec(cleaned)?.[1]?.toLowerCase();
}

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/g;
const ATTRIBUTE = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;

/**
 * Fails unless `html` is made of allowed elements with allowed attributes and URL schemes, and text
 * in which every `<` is escaped: nothing in it can run, load a style, frame, redirect or post.
 */
export function assertInertHtml(html: string, label: string): void {
  const rest = html.replace(TAG, (_whole, _close: string, name: string, attributes: string) => {
    const tag = name.toLowerCase();
    assert.ok(TAGS.has(tag), `${label}: <${tag}> is not an allowed element in ${html.slice(0, 300)}`);
    for (const [, rawName, rawValue] of attributes.matchAll(ATTRIBUTE)) {
      const attribute = rawName!.toLowerCase();
      assert.ok(ATTRIBUTES[tag]?.has(attribute), `${label}: <${tag} ${attribute}> is not an allowed attribute in ${html.slice(0, 300)}`);
      const schemes = SCHEMES[attribute];
      const value = (rawValue ?? '').replace(/^["']|["']$/g, '');
      const scheme = schemes ? schemeOf(value) : undefined;
      if (scheme) assert.ok(schemes!.has(scheme) && !(tag === 'a' && scheme === 'cid'), `${label}: <${tag} ${attribute}="${value}"> has the scheme ${scheme}`);
    }
    return '';
  });
  assert.ok(!rest.includes('<'), `${label}: markup left outside the allowed elements: ${rest.slice(rest.indexOf('<'), rest.indexOf('<') + 120)}`);
}

/*
 * What no delivered mail may carry, whatever its layout (a mail's frame has styles and tables of
 * its own, so the allow-list of stored bodies is too strict a yardstick there).
 */
// Raw-text elements too (noscript, xmp...): a browser reads their content differently from this check.
const ACTIVE_ELEMENTS = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math', 'form', 'input', 'button', 'textarea', 'select', 'isindex', 'base', 'link', 'portal', 'noscript', 'noembed', 'noframes', 'xmp', 'plaintext', 'template', 'listing']);
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'background', 'poster', 'data', 'xlink:href', 'lowsrc', 'dynsrc']);
const SAFE_URL_SCHEMES = new Set(['http', 'https', 'mailto', 'cid']);

/** Fails when `html` has an element, attribute, URL or style that could run, load or redirect. */
export function assertNoActiveContent(html: string, label: string): void {
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<!doctype[^>]*>/gi, '');
  const rest = withoutComments.replace(TAG, (whole, _close: string, name: string, attributes: string) => {
    const tag = name.toLowerCase();
    assert.ok(!ACTIVE_ELEMENTS.has(tag), `${label}: an active element ${whole.slice(0, 120)}`);
    if (tag === 'meta') assert.doesNotMatch(attributes, /http-equiv/i, `${label}: ${whole}`);
    for (const [, rawName, rawValue] of attributes.matchAll(ATTRIBUTE)) {
      const attribute = rawName!.toLowerCase();
      const value = decodeEntities((rawValue ?? '').replace(/^["']|["']$/g, ''));
      assert.ok(!attribute.startsWith('on') && !['srcdoc', 'srcset', 'formaction', 'http-equiv'].includes(attribute), `${label}: the attribute ${attribute} in ${whole.slice(0, 120)}`);
      const scheme = URL_ATTRIBUTES.has(attribute) ? schemeOf(value) : undefined;
      assert.ok(!scheme || SAFE_URL_SCHEMES.has(scheme), `${label}: a ${scheme}: URL in ${whole.slice(0, 120)}`);
      if (attribute === 'style') assert.doesNotMatch(value, /url\s*\(|expression\s*\(|@import|behavior/i, `${label}: an active style in ${whole.slice(0, 120)}`);
    }
    return '';
  });
  // Style elements of a layout are fine as long as they load nothing.
  assert.doesNotMatch(rest, /url\s*\(|expression\s*\(|@import/i, `${label}: an active style sheet`);
  assert.doesNotMatch(rest, /<[a-z!/?]/i, `${label}: markup the check could not read: ${rest.slice(rest.search(/<[a-z!/?]/i), rest.search(/<[a-z!/?]/i) + 120)}`);
}
