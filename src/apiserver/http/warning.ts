/**
 * `Warning` response headers as upstream's warning recorder writes them (apiserver filters/warning.go and
 * apimachinery's NewWarningHeader): `299 - "text"`, `"` and `\` escaped, duplicates dropped; past 4,096
 * characters of text in all, every text is cut to 256 characters, and what still does not fit is left out.
 *
 * Go writes the text's UTF-8 bytes as they are; so do we (a header value is sent byte for byte as Latin-1,
 * so the UTF-8 bytes are spelled as Latin-1 characters). Line breaks and other control characters, which
 * Go's server turns into spaces (CR, LF) or passes on, become spaces: Node refuses them in a header, and
 * a header that can't be set must never fail a request whose write already happened.
 */
export function warningHeaders(texts: readonly string[]): string[] {
  const TOTAL = 4 * 1024;
  const ITEM = 256;
  const unique = [...new Set(texts.filter((t) => t.length > 0))].map((t) => [...wellFormed(t)]);
  const total = unique.reduce((n, runes) => n + runes.length, 0);
  if (total <= TOTAL) return unique.map((runes) => header(runes.join("")));
  const out: string[] = [];
  let written = 0;
  for (const runes of unique) {
    if (written >= TOTAL) break;
    const cut = runes.slice(0, ITEM);
    written += cut.length;
    out.push(header(cut.join("")));
  }
  return out;
}

function header(text: string): string {
  // eslint-disable-next-line no-control-regex
  const quoted = `"${text.replace(/["\\]/g, (c) => `\\${c}`).replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, " ")}"`;
  return `299 - ${Buffer.from(quoted, "utf8").toString("latin1")}`;
}

/** Lone surrogates (text that was never valid UTF-8) become U+FFFD, as Go's JSON decoder reads such bytes. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
