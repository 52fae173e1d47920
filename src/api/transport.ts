import type { Readable } from "node:stream";

/**
 * How a client reaches an API server without a socket: the composition root hands the client a function
 * that calls the server's handler directly (ARCHITECTURE.md: same client API, in-process transport).
 */
export interface TransportRequest {
  method: string;
  /** Path and query, e.g. `/api/v1/namespaces/default/pods?watch=true`. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

export interface TransportResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The response body, streamed (watches stay open). */
  body: Readable;
  /**
   * The whole body, when the server gave it in one piece before answering (an in-process transport's
   * ordinary response): a reader may take it and skip the stream, which carries the same bytes.
   */
  whole?: string | Buffer;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;
