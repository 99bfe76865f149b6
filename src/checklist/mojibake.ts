/**
 * Repairs UTF-8 text that was once decoded as Windows-1252 (`âœ…` for ✅, `ðŸŽ‰` for 🎉, `â†’` for →).
 * Each suspicious run is turned back into the bytes it came from and kept only if those bytes are
 * valid UTF-8, so correct Latin text (`café`, `Straße`) is never touched.
 */

// Windows-1252 bytes 0x80–0x9F and the characters they decode to; the other bytes map to U+0080–U+00FF.
const CP1252_HIGH: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  ƒ: 0x83,
  '„': 0x84,
  '…': 0x85,
  '†': 0x86,
  '‡': 0x87,
  ˆ: 0x88,
  '‰': 0x89,
  Š: 0x8a,
  '‹': 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '˜': 0x98,
  '™': 0x99,
  š: 0x9a,
  '›': 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
};

const CONTINUATION = `\\u0080-\\u00BF${Object.keys(CP1252_HIGH).join('')}`;
// A UTF-8 lead byte (0xC2–0xF4 as Latin-1) followed by bytes that could continue it.
const SUSPECT = new RegExp(`[\\u00C2-\\u00F4][${CONTINUATION}]{1,3}`, 'g');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function toCp1252Bytes(text: string): Uint8Array | null {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const high = CP1252_HIGH[char];
    if (high !== undefined) bytes.push(high);
    else if (code <= 0xff) bytes.push(code);
    else return null;
  }
  return Uint8Array.from(bytes);
}

export function repairMojibake(text: string): string {
  if (!/[\u00C2-\u00F4]/.test(text)) return text;
  return text.replace(SUSPECT, (run) => {
    const bytes = toCp1252Bytes(run);
    if (!bytes) return run;
    try {
      const decoded = strictUtf8.decode(bytes);
      return isPlausible(decoded) ? decoded : run;
    } catch {
      return run;
    }
  });
}

/**
 * What mis-decoding really produces: Latin letters, punctuation, arrows, symbols and emoji. A decode
 * into IPA or N'Ko (`CAFÉ”` would give `CAFɔ`) means the text was right all along.
 */
function isPlausible(decoded: string): boolean {
  for (const char of decoded) {
    const code = char.codePointAt(0) ?? 0;
    const latin = code >= 0xa0 && code <= 0x24f;
    const symbols = code >= 0x2000;
    if (!latin && !symbols) return false;
  }
  return true;
}
