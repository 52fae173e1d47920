import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { setMaxListeners } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateSubject, createCertificateAuthority, issueCertificate, type CertificateAndKey } from "../api/pki/certificates.js";
import { ApiServer } from "../apiserver/server.js";
import { apiServerCertificate } from "../apiserver/tls.js";
import { RestClient } from "../client/rest.js";
import { CERTIFICATESIGNINGREQUESTS } from "../client/resources.js";
import { ControllerManager } from "../controllers/manager.js";
import { MemoryStore } from "../store/memory.js";
import { createBootstrapToken, ensureNodeBootstrapBindings } from "./bootstrap-tokens.js";
import { certificateStanding, JoinError, joinIdentity, nodePkiDir } from "./node-join.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const DAY = 24 * 3600_000;

test("certificateStanding: fresh until 80 % of its life, then aging, unusable once expired", async () => {
  const ca = await createCertificateAuthority(new Date(T0));
  const issued = await issueCertificate(ca, { commonName: "system:node:n1", organizations: ["system:nodes"], usage: "client", now: new Date(T0), notBefore: new Date(T0), notAfter: new Date(T0 + 10 * DAY) });
  const pair = { cert: issued.cert, key: issued.key! };
  assert.equal(await certificateStanding(pair, ca.cert, "system:node:n1", T0 + DAY), "fresh");
  assert.equal(await certificateStanding(pair, ca.cert, "system:node:n1", T0 + 8.5 * DAY), "aging");
  assert.equal(await certificateStanding(pair, ca.cert, "system:node:n1", T0 + 10 * DAY), "unusable");
  assert.equal(await certificateStanding(pair, ca.cert, "system:node:n1", T0 - DAY), "unusable", "not yet valid");
});

test("certificateStanding: another CA, another node, a key that isn't its own, names it doesn't cover are unusable", async () => {
  const ca = await createCertificateAuthority(new Date(T0));
  const other = await createCertificateAuthority(new Date(T0));
  const now = T0 + DAY;
  const serving = await issueCertificate(ca, { commonName: "system:node:n1", organizations: ["system:nodes"], usage: "server", hosts: ["n1", "10.0.0.7"], now: new Date(T0) });
  const pair = { cert: serving.cert, key: serving.key! };
  assert.equal(await certificateStanding(pair, ca.cert, "system:node:n1", now, ["n1", "10.0.0.7"]), "fresh");
  assert.equal(await certificateStanding(pair, other.cert, "system:node:n1", now), "unusable");
  assert.equal(await certificateStanding(pair, ca.cert, "system:node:n2", now), "unusable");
  assert.equal(await certificateStanding({ cert: pair.cert, key: other.key }, ca.cert, "system:node:n1", now), "unusable");
  assert.equal(await certificateStanding(pair, ca.cert, "system:node:n1", now, ["10.0.0.8"]), "unusable");
  assert.equal(await certificateStanding(undefined, ca.cert, "system:node:n1", now), "unusable");
  assert.equal(await certificateStanding({ cert: "not a certificate", key: pair.key }, ca.cert, "system:node:n1", now), "unusable");
});

type Csr = { spec?: { username?: string; signerName?: string }; status?: { conditions?: Array<{ type: string; message?: string }> } };

/** joinIdentity against a real HTTPS API server (client certificates, Node,RBAC, bootstrap tokens) and controller manager. */
describe("joinIdentity: the node's client certificate by bootstrap token, reused, renewed as itself", () => {
  let ca: CertificateAndKey;
  let server: ApiServer;
  let url: string;
  let admin: RestClient;
  const dataDir = mkdtempSync(join(tmpdir(), "tug-join-it-"));
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every controller's informers and loop listen on it, as in tug up
  let running: Promise<void>;
  const log = () => {};

  before(async () => {
    ca = await createCertificateAuthority(new Date());
    server = new ApiServer({ store: new MemoryStore(), token: "admin", certs: await apiServerCertificate(ca, ["127.0.0.1"]), authorizationModes: ["Node", "RBAC"], enableBootstrapTokenAuth: true, log });
    url = `https://127.0.0.1:${await server.listen(0)}`;
    admin = new RestClient({ server: url, token: "admin", ca: ca.cert });
    await ensureNodeBootstrapBindings(admin);
    running = new ControllerManager(admin, { clusterSigning: ca, log }).run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    admin.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const csrs = async () => (await admin.list(CERTIFICATESIGNINGREQUESTS)).items as Csr[];

  test("joinIdentity with a token gets system:node:<name> through an approved CSR and keeps it; again, it reuses it", async () => {
    const token = await createBootstrapToken(admin);
    const first = await joinIdentity({ server: url, ca: ca.cert, token, name: "n1", dataDir, log });
    assert.deepEqual(certificateSubject(first.client.cert), { commonName: "system:node:n1", organizations: ["system:nodes"] });
    assert.match(readFileSync(join(nodePkiDir(dataDir, "n1"), "kubelet-client-current.pem"), "utf8"), /BEGIN CERTIFICATE[\s\S]+BEGIN PRIVATE KEY/);
    const again = await joinIdentity({ server: url, ca: ca.cert, name: "n1", dataDir, log });
    assert.equal(again.client.cert.trim(), first.client.cert.trim());
    assert.equal((await csrs()).length, 1);
  });

  test("joinIdentity renews an aging certificate as the node itself (selfnodeclient), no token needed", async () => {
    const now = Date.now();
    const aging = await issueCertificate(ca, { commonName: "system:node:n2", organizations: ["system:nodes"], usage: "client", now: new Date(now), notBefore: new Date(now - 9 * 86_400_000), notAfter: new Date(now + 86_400_000) });
    const file = join(nodePkiDir(dataDir, "n2"), "kubelet-client-current.pem");
    rmSync(nodePkiDir(dataDir, "n2"), { recursive: true, force: true });
    await joinIdentity({ server: url, ca: ca.cert, token: await createBootstrapToken(admin), name: "n2", dataDir, log }); // makes the directory
    writeFileSync(file, `${aging.cert}${aging.key}`);
    const renewed = await joinIdentity({ server: url, ca: ca.cert, name: "n2", dataDir, log });
    assert.notEqual(renewed.client.cert, aging.cert);
    assert.ok(Date.parse(new X509Certificate(renewed.client.cert).validTo) > now + 300 * 86_400_000);
    const self = (await csrs()).find((c) => c.spec?.username === "system:node:n2");
    assert.equal(self?.status?.conditions?.[0]?.message, "Auto approving self kubelet client certificate after SubjectAccessReview.");
  });

  test("joinIdentity with no usable certificate and no token says so", async () => {
    await assert.rejects(joinIdentity({ server: url, ca: ca.cert, name: "n3", dataDir, log }), (err: unknown) => err instanceof JoinError && /no usable client certificate/.test(err.message));
  });
});
