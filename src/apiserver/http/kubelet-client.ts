import type { ConnectionOptions, PeerCertificate } from "node:tls";

/**
 * How the API server reaches node agents (upstream's --kubelet-certificate-authority,
 * --kubelet-client-certificate/-key): it verifies the agent's serving certificate against `ca` and
 * presents its own client certificate; `token` is sent as a bearer token where given. Without `ca` the
 * agent's certificate is not checked (tests with an in-process server only).
 */
export interface KubeletClientConfig {
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
}

/**
 * The TLS options of a connection to node `nodeName`'s agent. Its certificate must chain to `ca` and
 * name that node (`CN=system:node:<name>`, as upstream's kubelet-serving certificates do): the node's
 * address may be one its certificate could not know (a bridge gateway), its name is what was asked for.
 */
export function kubeletTls(c: KubeletClientConfig, nodeName: string): ConnectionOptions & { rejectUnauthorized: boolean } {
  if (c.ca === undefined) return { cert: c.cert, key: c.key, rejectUnauthorized: false };
  const want = `system:node:${nodeName}`;
  return {
    ca: c.ca, cert: c.cert, key: c.key, rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => (cert.subject?.CN === want ? undefined : new Error(`the node agent's certificate is for "${cert.subject?.CN ?? ""}", not "${want}"`)),
  };
}

/** The Authorization header for a node agent, if the API server has a token for it. */
export function kubeletAuthorization(c: KubeletClientConfig): Record<string, string> {
  return c.token ? { authorization: `Bearer ${c.token}` } : {};
}
