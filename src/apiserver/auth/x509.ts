import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { StatusError } from "../../api/errors.js";
import { certificateSubject } from "../../api/pki/certificates.js";
import type { Authenticator, UserInfo } from "./types.js";

interface Verified {
  user?: UserInfo;
  notBefore: number;
  notAfter: number;
  /** Why the TLS layer refused the certificate's chain (wrong CA, expired, not a client certificate…). */
  error?: string;
}

/**
 * Upstream's x509 request authenticator: a client certificate that chains to the cluster CA (the
 * listener asks for one, naming the CA, and lets OpenSSL verify the chain, the validity period and the
 * clientAuth usage) is the user of its subject's CN, in the groups of its O entries. No certificate: no
 * opinion. A refused certificate: 401. A verified one is read once per connection, its validity checked
 * again at every request against `now` (a connection may outlive its certificate).
 */
export function x509Authenticator(now: () => number = Date.now): Authenticator {
  const verified = new WeakMap<object, Verified | null>();
  return (req: IncomingMessage) => {
    const socket = req.socket as TLSSocket | undefined;
    if (!socket || typeof socket.getPeerX509Certificate !== "function") return Promise.resolve(undefined);
    // HTTP/2 hands each request (stream) its own proxy of the socket: the session is what lasts as long as the connection.
    const connection = (req as { stream?: { session?: object } }).stream?.session ?? socket;
    let v = verified.get(connection);
    if (v === undefined) {
      v = verify(socket);
      verified.set(connection, v);
    }
    if (v === null) return Promise.resolve(undefined);
    if (v.error) return Promise.reject(unauthorized());
    const t = now();
    if (t < v.notBefore || t > v.notAfter) return Promise.reject(unauthorized());
    return Promise.resolve(v.user);
  };
}

function verify(socket: TLSSocket): Verified | null {
  const peer = socket.getPeerX509Certificate();
  if (!peer) return null;
  const validity = { notBefore: Date.parse(peer.validFrom), notAfter: Date.parse(peer.validTo) };
  if (!socket.authorized) return { ...validity, error: String(socket.authorizationError ?? "unverified") };
  const subject = certificateSubject(peer.toString());
  // A certificate with no CN names nobody: upstream's authenticator has no opinion on it.
  if (!subject.commonName) return { ...validity };
  return { ...validity, user: { name: subject.commonName, groups: subject.organizations } };
}

function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}
