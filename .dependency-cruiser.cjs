/** Enforces the import table of ARCHITECTURE.md ("Layers and who may import whom"). */
const layer = (name) => `^(dist/)?src/${name}/`;
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", from: {}, to: { circular: true } },
    { name: "api-is-pure", severity: "error", comment: "src/api imports nothing of ours",
      from: { path: layer("api") }, to: { path: "^(dist/)?src/", pathNot: layer("api") } },
    { name: "store-imports-api-only", severity: "error",
      from: { path: layer("store") }, to: { path: "^(dist/)?src/", pathNot: [layer("api"), layer("store")] } },
    { name: "apiserver-imports-api-store", severity: "error",
      from: { path: layer("apiserver") }, to: { path: "^(dist/)?src/", pathNot: [layer("api"), layer("store"), layer("apiserver")] } },
    { name: "client-imports-api", severity: "error",
      from: { path: layer("client") }, to: { path: "^(dist/)?src/", pathNot: [layer("api"), layer("client")] } },
    { name: "components-use-the-client", severity: "error",
      comment: "controllers, scheduler, node and proxy talk to the API only through the client",
      from: { path: "^(dist/)?src/(controllers|scheduler|node|proxy)/" },
      to: { path: "^(dist/)?src/(store|apiserver|cmd|cli|dashboard)/" } },
    { name: "components-stay-apart", severity: "error",
      from: { path: "^(dist/)?src/(controllers|scheduler|node|proxy)/([^/]+)/" },
      to: { path: "^(dist/)?src/(controllers|scheduler|node|proxy)/", pathNot: ["^(dist/)?src/$1/", "^(dist/)?src/controllers/kit/"] } },
    { name: "cli-imports-api-client", severity: "error",
      from: { path: "^(dist/)?src/(cli|dashboard)/" }, to: { path: "^(dist/)?src/(store|apiserver|controllers|scheduler|node|proxy|cmd)/" } },
    { name: "nobody-imports-cmd", severity: "error",
      from: { pathNot: layer("cmd") }, to: { path: layer("cmd") } },
    { name: "nobody-imports-integration", severity: "error", comment: "src/integration holds tests that wire real parts together",
      from: { pathNot: layer("integration") }, to: { path: layer("integration") } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
