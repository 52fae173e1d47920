import { setMaxListeners } from "node:events";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { isStatusError } from "../api/errors.js";
import { createCertificateAuthority, createCertificateRequest } from "../api/pki/certificates.js";
import { ApiServer } from "../apiserver/server.js";
import { RestClient } from "../client/rest.js";
import { CERTIFICATESIGNINGREQUESTS, CLUSTERROLEBINDINGS, SECRETS } from "../client/resources.js";
import { bootstrapTokenSecret } from "../api/bootstrap-token.js";
import { ControllerManager } from "../controllers/manager.js";
import { createBootstrapToken, ensureNodeBootstrapBindings } from "./bootstrap-tokens.js";
import { MemoryStore } from "../store/memory.js";

/** Polls `probe` until it gives a value, or fails naming `what`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
  }
  throw new Error(`Timed out waiting for ${what}`);
}

type Csr = { metadata: { name?: string }; spec?: { username?: string }; status?: { conditions?: Array<{ type: string; reason?: string; message?: string }>; certificate?: string } };

/**
 * The TLS bootstrap's authorization end to end in process: the API server with Node,RBAC and bootstrap
 * tokens, the controller manager as a cluster admin would run it, kubeadm's bindings from `tug up`.
 */
describe("csrapproving under Node,RBAC with bootstrap tokens", () => {
  let server: ApiServer;
  let url: string;
  let admin: RestClient;
  const logs: Array<Record<string, unknown>> = [];
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every controller's informers and loop listen on it, as in tug up
  let running: Promise<void>;

  before(async () => {
    server = new ApiServer({
      store: new MemoryStore(), token: "admin", authorizationModes: ["Node", "RBAC"], enableBootstrapTokenAuth: true, log: () => {},
      tokenFile: new Map([["carol-token", { name: "carol", groups: [] }]]),
    });
    url = `http://127.0.0.1:${await server.listen(0)}`;
    admin = new RestClient({ server: url, token: "admin" });
    await ensureNodeBootstrapBindings(admin);
    const manager = new ControllerManager(admin, { clusterSigning: await createCertificateAuthority(new Date()), log: (e) => void logs.push(e) });
    running = manager.run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    admin.close();
    await server.close();
  });

  const nodeClientCsr = async (as: RestClient, name: string) => {
    const { csr } = await createCertificateRequest("system:node:n1", ["system:nodes"]);
    return as.create(CERTIFICATESIGNINGREQUESTS, undefined, {
      apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name },
      spec: { request: Buffer.from(csr).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["digital signature", "client auth"] },
    });
  };

  test("a token from tug token create: its node client CSR is approved (AutoApproved) and issued", async () => {
    const token = await createBootstrapToken(admin);
    const joiner = new RestClient({ server: url, token });
    try {
      await nodeClientCsr(joiner, "from-token");
      const csr = await eventually("issued", async () => {
        const c = await joiner.get<Csr>(CERTIFICATESIGNINGREQUESTS, undefined, "from-token");
        return c.status?.certificate ? c : undefined;
      });
      assert.equal(csr.spec?.username, `system:bootstrap:${token.slice(0, 6)}`);
      assert.deepEqual(csr.status?.conditions?.map((c) => [c.type, c.reason, c.message]), [["Approved", "AutoApproved", "Auto approving kubelet client certificate after SubjectAccessReview."]]);
    } finally {
      joiner.close();
    }
  });

  test("a user who may create CSRs but not certificatesigningrequests/nodeclient: left pending, as upstream", async () => {
    await admin.create(CLUSTERROLEBINDINGS, undefined, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "carol-csr" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:node-bootstrapper" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "carol" }],
    });
    const carol = new RestClient({ server: url, token: "carol-token" });
    try {
      await nodeClientCsr(carol, "from-carol");
      await eventually("the review refused", async () => logs.some((e) => String(e.err ?? "").includes(`recognized csr "from-carol" as [nodeclient] but subject access review was not approved`)));
      const csr = await admin.get<Csr>(CERTIFICATESIGNINGREQUESTS, undefined, "from-carol");
      assert.equal(csr.status?.conditions, undefined);
    } finally {
      carol.close();
    }
  });

  test("a bootstrap token may not create CSRs without kubeadm's binding of its group; a wrong one is a 401", async () => {
    await admin.create(SECRETS, "kube-system", bootstrapTokenSecret({ id: "nogrup", secret: "0123456789abcdef" }, {}));
    const groupless = new RestClient({ server: url, token: "nogrup.0123456789abcdef" });
    const stranger = new RestClient({ server: url, token: "abcdef.0123456789abcdef" });
    try {
      await assert.rejects(nodeClientCsr(groupless, "groupless"), (err: unknown) => isStatusError(err) && err.code === 403 &&
        err.message.includes(`User "system:bootstrap:nogrup" cannot create resource "certificatesigningrequests"`));
      await assert.rejects(nodeClientCsr(stranger, "stranger"), (err: unknown) => isStatusError(err) && err.code === 401);
    } finally {
      groupless.close();
      stranger.close();
    }
  });
});
