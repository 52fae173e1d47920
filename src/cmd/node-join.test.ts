import { test } from "node:test";
import assert from "node:assert/strict";
import { createCertificateAuthority, issueCertificate } from "../api/pki/certificates.js";
import { certificateStanding } from "./node-join.js";

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
