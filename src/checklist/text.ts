export function collapseSpaces(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Lowercase ASCII words joined by dashes: the readable part of a key. */
export function slugify(text: string, maxLength = 40): string {
  const slug = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return slug.slice(0, maxLength).replace(/-$/, '') || 'item';
}
