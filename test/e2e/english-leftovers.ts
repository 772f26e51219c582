import type { Page } from 'playwright-core';
import { en, fr } from '../../web/src/i18n/messages.ts';

/*
 * What a page under French must not show: a sentence of the English dictionary that French says
 * otherwise, a public default's English name (the rows every tenant starts with), an English month
 * or day, a clock with AM/PM, a US date (12/7/2026), a number with an English decimal point or
 * thousands comma, or a date input the browser draws in its own locale (mm/dd/yyyy for an
 * English browser). People's own words (subjects, messages, names) are theirs and are not read.
 */

/** The English names the installation seeds its public rows with (migrations 0003, 0004, 0011, 0032). */
const PUBLIC_DEFAULTS = [
  'Open', 'Pending', 'Resolved', 'Closed', 'Low', 'Normal', 'High', 'Urgent', 'Medium', 'Other request', 'Standard',
  'Service-provider administrator', 'Service-provider agent', 'Tenant administrator', 'Customer',
];

/** The English sentences French says otherwise, with their {placeholders} cut out. */
function englishOnly(): string[] {
  const pieces = new Set<string>(PUBLIC_DEFAULTS);
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    if (en[key] === fr[key]) continue;
    for (const piece of en[key].split(/\{\w+\}/)) if (/[a-z]{2}/i.test(piece)) pieces.add(piece.trim());
  }
  // Words French shares with English (Agent, Type, Message, Action...) are no leftover.
  for (const key of Object.keys(fr) as (keyof typeof fr)[]) pieces.delete(fr[key]);
  return [...pieces].filter((p) => p.length > 1);
}

export type Leftover = { where: string; text: string; why: string };

/** Everything English or US-formatted the page shows, each with where it is and why it counts. */
export async function englishLeftovers(page: Page): Promise<Leftover[]> {
  return page.evaluate(`(${inPage})(${JSON.stringify(englishOnly())})`);
}

/** Runs in the page, as text: the test's compiler would add helpers the page does not have. */
const inPage = String.raw`(english) => {
    const exact = new Set(english);
    // Multi-word sentences are also looked for inside longer texts ("Status changed: Open → Pending").
    const phrases = english.filter((p) => p.split(/\s+/).length >= 3);
    const patterns = [
      [/\b(January|February|March|April|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b/, 'an English month or day'],
      [/\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.? \d{1,2}, \d{4}/, 'a US date'],
      [/\b\d{1,2}:\d{2}(:\d{2})? ?(AM|PM)\b/i, 'a 12-hour clock'],
      [/\b\d{1,2}\/\d{1,2}\/\d{4}, \d/, 'the browser’s own date and time'],
      [/(^|\s)\d+\.\d+ ?(%|[kKMG]?B)?$/, 'an English decimal point'],
      [/(^|\s)\d{1,3}(,\d{3})+(\s|$)/, 'an English thousands comma'],
      [/\b(ago|yesterday|today|tomorrow|in \d+ (minutes?|hours?|days?))\b/i, 'an English relative time'],
    ];
    const found = [];
    const where = (e) => {
      const parts = [];
      for (let el = e; el && parts.length < 3; el = el.parentElement) parts.unshift(el.tagName.toLowerCase() + (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : el.classList[0] ? '.' + el.classList[0] : ''));
      return parts.join(' > ');
    };
    const judge = (text, element) => {
      const value = text.replace(/\s+/g, ' ').trim();
      if (!value) return;
      if (exact.has(value) || exact.has(value.replace(/[:.…]$/, ''))) found.push({ where: where(element), text: value, why: 'English' });
      else for (const phrase of phrases) if (value.includes(phrase)) found.push({ where: where(element), text: value, why: 'English: “' + phrase + '”' });
      for (const [pattern, why] of patterns) if (pattern.test(value)) found.push({ where: where(element), text: value, why });
    };
    // People's words: subjects, thread bodies, names, articles, and the language names in their own language.
    const theirs = '.entry-body, .thread-body, .article-body, [data-user-text], [lang="en"], .brand-name, .kb-article, td[data-label="Subject"], a[href^="/tickets/"], a[href^="/kb/"], .who, script, style';
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest(theirs) || parent.closest('[hidden]')) continue;
      judge(node.textContent ?? '', parent);
    }
    for (const element of document.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')) {
      if (element.closest(theirs)) continue;
      for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
        const value = element.getAttribute(name);
        if (value) judge(value, element);
      }
    }
    for (const input of document.querySelectorAll('input[type="date"], input[type="datetime-local"], input[type="time"], input[type="month"]'))
      found.push({ where: where(input), text: input.type, why: 'a date input the browser draws in its own locale' });
    return found;
}`;
