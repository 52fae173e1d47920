/** IPv4 addresses as integers, for service ranges and the proxy's address bookkeeping. */

export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** An IPv4 CIDR's first address and size; undefined when it isn't one. */
export function parseCidr(cidr: string): { base: number; size: number } | undefined {
  const [ip, bits] = cidr.split("/");
  const n = ipv4ToInt(ip ?? "");
  const prefix = Number(bits);
  if (n === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(n / size) * size, size };
}

export function inCidr(ip: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  const n = ipv4ToInt(ip);
  return range !== undefined && n !== undefined && n >= range.base && n < range.base + range.size;
}
