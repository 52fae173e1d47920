import { stringify } from "yaml";

/** A kubeconfig for the admin user, usable by real kubectl. */
export function adminKubeconfig(server: string, caPem: string, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "tugboat", cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: "admin", user: { token } }],
    contexts: [{ name: "tugboat", context: { cluster: "tugboat", user: "admin", namespace: "default" } }],
    "current-context": "tugboat",
    preferences: {},
  });
}
