import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, fr, type MessageKey } from './messages.ts';

export type Language = 'en' | 'fr';
const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, fr };
const STORAGE_KEY = 'tenantdesk.language';
/** The locale each language formats dates, times and numbers in, whatever the browser's own. */
export const LOCALES: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };

type I18n = { language: Language; setLanguage(language: Language): void; t(key: MessageKey, values?: Record<string, string | number>): string; formatDate(iso: string): string; formatNumber(n: number): string };

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'fr') return stored;
  return navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const dictionary = DICTIONARIES[language];
    const locale = LOCALES[language];
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    return {
      language,
      setLanguage,
      t: (key, values) => dictionary[key].replace(/\{(\w+)\}/g, (whole, name: string) => (values && name in values ? String(values[name]) : whole)),
      formatDate: (iso) => dates.format(new Date(iso)),
      formatNumber: (n) => numbers.format(n),
    };
  }, [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}

/** Whether a server error code has a translated explanation. */
export function errorKey(code: string): MessageKey | undefined {
  const key = `error.${code}`;
  return key in en ? (key as MessageKey) : undefined;
}
