/** A port a command could not listen on: the one line `tug` prints before it exits non-zero. */
export class PortUnavailableError extends Error {
  constructor(readonly port: number, readonly host: string, readonly what: string, readonly flag: string, code: string) {
    super(code === "EACCES"
      ? `cannot listen on ${host}:${port} for ${what}: permission denied (choose another port with ${flag})`
      : `port ${port} on ${host} is already in use, so ${what} cannot listen there (choose another port with ${flag})`);
    this.name = "PortUnavailableError";
  }
}

/** What listens on a port, and the flag that moves it, for the error a busy port gets. */
export interface PortUse {
  port: number;
  host: string;
  /** For the message: "the API server", "the controller manager's metrics". */
  what: string;
  flag: string;
}

/**
 * Runs `bind` (a listen on `use.port`); a port in use or not ours to take becomes a
 * {@link PortUnavailableError} naming the port and the flag that moves it. Commands bind every port this
 * way before they say they are up.
 */
export async function bindPort<T>(use: PortUse, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") throw new PortUnavailableError(use.port, use.host, use.what, use.flag, code);
    throw err;
  }
}
