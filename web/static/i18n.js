// Translations of the page's text through a gettext message catalog.
//
// Source strings are English and marked with _() or ngettext(), which
// xgettext extracts (xgettext -L JavaScript). At build time
// web/make-catalog.py turns po/LANG.po into messages-LANG.json beside this
// file. The page loads the catalog of its language and shows the English
// source string for anything the catalog lacks.

// Languages with a catalog, as named in po/LINGUAS. The first is the
// default for browsers that prefer neither it nor English.
export const CATALOG_LANGUAGES = ['zh_CN'];
export const SOURCE_LANGUAGE = 'en';

let messages = new Map();
let pluralIndex = () => 0;
let language = SOURCE_LANGUAGE;

// Maps a BCP 47 tag ("zh-CN", "zh-Hans", "en-US") to a catalog language
// or the source language; returns null for any other language.
function matchLanguage(tag) {
  const lower = String(tag).toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) {
    return SOURCE_LANGUAGE;
  }
  if (lower === 'zh' || lower.startsWith('zh-')) {
    return 'zh_CN';
  }
  return null;
}

// Picks the page's language: ?lang= when it names a known language, else
// the first of the browser's preferred languages that is Chinese or
// English, else Chinese.
export function chooseLanguage(search, preferredLanguages) {
  const requested = new URLSearchParams(search).get('lang');
  if (requested !== null) {
    const match = matchLanguage(requested.replace('_', '-'));
    if (match !== null) {
      return match;
    }
  }
  for (const tag of preferredLanguages || []) {
    const match = matchLanguage(tag);
    if (match !== null) {
      return match;
    }
  }
  return CATALOG_LANGUAGES[0];
}

// Returns the plural-index function for a catalog's Plural-Forms header.
// Only the two forms the catalogs use are understood: one form (Chinese,
// "plural=0") and the English pattern ("plural=(n != 1)").
function pluralFunction(header) {
  const compact = String(header || '').replace(/\s+/g, '');
  if (compact.includes('nplurals=1')) {
    return () => 0;
  }
  if (compact.includes('plural=(n!=1)') || compact.includes('plural=n!=1')) {
    return (n) => (n === 1 ? 0 : 1);
  }
  throw new Error(`unsupported Plural-Forms header: ${header}`);
}

// Installs a parsed catalog: {language, plural_forms, messages}, where
// messages maps each English msgid to its translation (a string, or an
// array of plural forms for ngettext entries).
export function setCatalog(catalog) {
  messages = new Map(Object.entries(catalog.messages || {}));
  pluralIndex = pluralFunction(catalog.plural_forms);
  language = catalog.language;
}

// Drops any catalog, so text stays in English.
export function useSourceLanguage() {
  messages = new Map();
  pluralIndex = () => 0;
  language = SOURCE_LANGUAGE;
}

// Loads messages-LANG.json from the page's directory; the source language
// needs no catalog.
export async function loadCatalog(catalogLanguage, fetchFunction = fetch) {
  if (catalogLanguage === SOURCE_LANGUAGE) {
    useSourceLanguage();
    return;
  }
  const response = await fetchFunction(`messages-${catalogLanguage}.json`);
  if (!response.ok) {
    throw new Error(`loading messages-${catalogLanguage}.json failed: HTTP ${response.status}`);
  }
  setCatalog(await response.json());
}

export function currentLanguage() {
  return language;
}

// The language tag for <html lang> and for date formatting.
export function currentLanguageTag() {
  return language === SOURCE_LANGUAGE ? 'en' : language.replace('_', '-');
}

export function _(msgid) {
  const translated = messages.get(msgid);
  return typeof translated === 'string' && translated !== '' ? translated : msgid;
}

export function ngettext(singular, plural, count) {
  const forms = messages.get(singular);
  if (Array.isArray(forms)) {
    const form = forms[pluralIndex(count)];
    if (form) {
      return form;
    }
  }
  return count === 1 ? singular : plural;
}

// Replaces each {name} in a translated template with values[name], so
// translators can move the placeholders.
export function format(template, values) {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole);
}
