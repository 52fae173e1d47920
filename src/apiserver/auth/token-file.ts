import { createHash, timingSafeEqual } from "node:crypto";
import type { TokenLookup } from "./bearer.js";
import type { UserInfo } from "./types.js";

/**
 * Upstream's --token-auth-file: one `token,user,uid,"group1,group2"` line per token (groups optional,
 * `#` lines and blank lines ignored). Throws a one-line error naming the line that is not of that form.
 */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const fields = csvFields(line);
    if (fields.length < 3 || fields[0] === "" || fields[1] === "") throw new Error(`token file line ${i + 1}: expected token,user,uid[,"groups"]`);
    const groups = (fields[3] ?? "").split(",").map((g) => g.trim()).filter(Boolean);
    tokens.set(fields[0]!, { name: fields[1]!, uid: fields[2] || undefined, groups });
  });
  return tokens;
}

/** Writes a token file's text: the inverse of {@link parseTokenFile}. */
export function formatTokenFile(tokens: ReadonlyMap<string, UserInfo>): string {
  return [...tokens].map(([token, u]) => `${token},${u.name},${u.uid ?? ""},"${u.groups.join(",")}"`).join("\n") + "\n";
}

function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') field += line[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * The tokens of a token file: the presented token is hashed and looked up by its hash, then the
 * hashes are compared in constant time — no comparison ever runs on the secret itself.
 */
export function tokenFileAuthenticator(tokens: ReadonlyMap<string, UserInfo>): TokenLookup {
  const byDigest = new Map<string, { digest: Buffer; user: UserInfo }>();
  for (const [token, user] of tokens) {
    const d = digest(token);
    byDigest.set(d.toString("hex"), { digest: d, user });
  }
  return (presented) => {
    if (!presented) return undefined;
    const d = digest(presented);
    const entry = byDigest.get(d.toString("hex"));
    return entry && timingSafeEqual(entry.digest, d) ? entry.user : undefined;
  };
}

/**
 * A static token (upstream's --token-auth-file with one line): the token file's lookup over that one
 * token, so it is compared as every file token is (hashed, then in constant time).
 */
export function staticTokenAuthenticator(token: string, user: UserInfo): TokenLookup {
  return tokenFileAuthenticator(new Map([[token, user]]));
}
