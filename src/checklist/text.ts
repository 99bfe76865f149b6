import type { PhrasingContent } from 'mdast';

/** Plain text of inline Markdown, keeping `code` in backticks because commands in items matter. */
export function inlineText(nodes: readonly PhrasingContent[]): string {
  return collapseSpaces(nodes.map(inlineNodeText).join(''));
}

function inlineNodeText(node: PhrasingContent): string {
  switch (node.type) {
    case 'text':
      return node.value;
    case 'inlineCode':
      return `\`${node.value}\``;
    case 'break':
      return ' ';
    case 'html':
      return node.value;
    case 'image':
      return node.alt ?? '';
    case 'link': {
      const label = node.children.map(inlineNodeText).join('');
      return label && label !== node.url ? label : node.url;
    }
    default:
      return 'children' in node ? (node.children as PhrasingContent[]).map(inlineNodeText).join('') : '';
  }
}

export function collapseSpaces(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Lowercase ASCII words joined by dashes: the readable part of a key. */
export function slugify(text: string, maxLength = 40): string {
  const slug = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, maxLength).replace(/-+$/, '') || 'item';
}
