/**
 * The text without the trailing characters that `drop` accepts. A loop, not `/[…]+$/`: a regex
 * anchored at the end retries from every character of a long run that is not at the end, which is
 * quadratic in the run's length.
 */
export function trimEndWhere(text: string, drop: (character: string) => boolean): string {
  let end = text.length;
  while (end > 0 && drop(text[end - 1] as string)) end--;
  return text.slice(0, end);
}

/** The text without trailing copies of any of `characters` (`'/'` for a base URL's slashes). */
export function trimEndOf(text: string, characters: string): string {
  return trimEndWhere(text, (character) => characters.includes(character));
}

export function isSpace(character: string): boolean {
  return character.trim() === '';
}
