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

/** The TLS options of a connection to a node agent. */
export function kubeletTls(c: KubeletClientConfig): { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean } {
  return { ca: c.ca, cert: c.cert, key: c.key, rejectUnauthorized: c.ca !== undefined };
}

/** The Authorization header for a node agent, if the API server has a token for it. */
export function kubeletAuthorization(c: KubeletClientConfig): Record<string, string> {
  return c.token ? { authorization: `Bearer ${c.token}` } : {};
}
