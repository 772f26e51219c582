import sanitizeHtml from 'sanitize-html';

/**
 * The HTML a thread entry or canned response may keep: formatting, lists, links, tables, inline
 * images by URL. Everything else (scripts, styles, event handlers, iframes) is dropped on the way
 * in, so nothing stored can run in an agent's or customer's browser.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'sub', 'sup', 'blockquote', 'pre', 'code',
    'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title', 'width', 'height'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid'] },
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }) },
};

export function sanitizeBody(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}

/**
 * The HTML of mail we send: as stored, without images. A remote image is fetched by the
 * recipient's mail client, telling whoever serves it that, when and from where the mail was read
 * (a tracking pixel in a customer's message would report on every agent and collaborator it is
 * mailed to); and outgoing mail carries no inline parts for `cid:` images to name.
 */
const MAIL_OPTIONS: sanitizeHtml.IOptions = {
  ...OPTIONS,
  allowedTags: (OPTIONS.allowedTags as string[]).filter((tag) => tag !== 'img'),
  allowedSchemesByTag: {},
};

export function sanitizeMailBody(html: string): string {
  return sanitizeHtml(html, MAIL_OPTIONS).trim();
}
