/**
 * The built-in demo image: a small HTTP server standing in for ikubernetes/myapp, ikubernetes/demoapp,
 * nginx and the seeds' oneapi/twoapi. It reports its image, version and hostname, serves /livez and
 * /readyz (POST `livez=FAIL` or `readyz=FAIL` to flip them, as demoapp does), logs each request, and on
 * SIGTERM drains: it stops accepting, answers what is in flight, then exits 0.
 *
 * Runs as its own process: `node demo-app.js`, configured by TUG_DEMO_* and PORT.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { hostname, networkInterfaces } from "node:os";

const flavor = process.env.TUG_DEMO_FLAVOR ?? "demoapp";
const version = process.env.TUG_DEMO_VERSION ?? "latest";
const image = process.env.TUG_DEMO_IMAGE ?? flavor;
const port = Number(process.env.PORT ?? 80);
const health = { livez: "OK", readyz: "OK" };
let draining = false;

function serverIP(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

function clientIP(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

function fetchLocal(path: string, localPort: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port: localPort, path, timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve(body));
    }).on("error", reject).end();
  });
}

const NGINX_PAGE = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>
</body>
</html>
`;

async function home(req: IncomingMessage): Promise<[number, string]> {
  const path = (req.url ?? "/").split("?")[0];
  switch (flavor) {
    case "myapp":
      if (path === "/hostname.html") return [200, `${hostname()}\n`];
      return [200, `Hello MyApp | Version: ${version} | <a href="hostname.html">Pod Name</a>\n`];
    case "nginx":
      return path === "/" || path === "/index.html" ? [200, NGINX_PAGE] : [404, "404 Not Found\n"];
    case "oneapi":
      return path === "/test" ? [200, `oneapi ${version} on ${hostname()}`] : [404, "Not Found"];
    case "twoapi":
      if (path === "/test") return [200, `twoapi ${version} on ${hostname()}`];
      if (path === "/test/calloneapi") return [200, `one api response is ${await fetchLocal("/test", 5000)}`];
      return [404, "Not Found"];
    default:
      if (path === "/hostname") return [200, `ServerName: ${hostname()}\n`];
      return [200, `iKubernetes demoapp ${version} !! ClientIP: ${clientIP(req)}, ServerName: ${hostname()}, ServerIP: ${serverIP()}!\n`];
  }
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<[number, string]> {
  const path = (req.url ?? "/").split("?")[0] as string;
  if (path === "/livez" || path === "/readyz") {
    const key = path.slice(1) as "livez" | "readyz";
    if (req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += String(chunk);
      const value = new URLSearchParams(body).get(key);
      if (value) health[key] = value;
      return [200, ""];
    }
    const ok = health[key] === "OK" && !(key === "readyz" && draining);
    return [ok ? 200 : 503, ok ? "OK" : health[key] === "OK" ? "draining" : health[key]];
  }
  if (flavor === "nginx") res.setHeader("Server", `nginx/${version}`);
  return home(req);
}

const server = createServer((req, res) => {
  handle(req, res).then(([status, body]) => {
    res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "X-Image": image });
    res.end(body);
    process.stdout.write(`${clientIP(req)} - - [${new Date().toISOString()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${Buffer.byteLength(body)}\n`);
  }, (err: unknown) => {
    res.writeHead(502).end(String(err));
  });
});

server.listen(port, "0.0.0.0", () => {
  process.stdout.write(`${image} listening on port ${port} (host ${hostname()})\n`);
});
server.on("error", (err) => {
  process.stderr.write(`${image}: ${err.message}\n`);
  process.exit(1);
});

process.on("SIGTERM", () => {
  draining = true;
  process.stdout.write("SIGTERM received, draining\n");
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
