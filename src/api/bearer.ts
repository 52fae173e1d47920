/**
 * The token of an `Authorization: <scheme> <token>` header as upstream's bearertoken authenticator reads
 * it: the scheme `Bearer` in any case, the token up to the next space. `undefined`: no bearer token at all
 * (no header, another scheme, a bare scheme); `""`: a bearer header with an empty token (`Bearer  x`),
 * which upstream refuses. Only ASCII whitespace is trimmed (Go's TrimSpace on the raw bytes): a Latin-1
 * no-break space stays and spoils the token.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parts = header.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "").split(" ");
  if (parts.length < 2 || parts[0]!.toLowerCase() !== "bearer") return undefined;
  return parts[1];
}
