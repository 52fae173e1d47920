import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";
import { DEFAULT_ISSUER, generateServiceAccountKey } from "./serviceaccount/index.js";
import { parseTokenFile } from "./token-file.js";

const ADMIN = "admin-token";
const REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
type Json = Record<string, unknown>;

describe("reviewToken", () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const review = async (token: string, audiences?: string[]) => {
    const res = await srv.call("POST", REVIEWS, { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token, audiences } }, { Authorization: `Bearer ${ADMIN}` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.status as Json;
  };

  before(async () => {
    const key = await generateServiceAccountKey();
    srv = await startTestServer({
      token: ADMIN, tokenFile: parseTokenFile(`sched-token,system:kube-scheduler,u1\nnode-token,system:node:n1,,"system:nodes"\n`),
      serviceAccounts: { key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] },
    });
  });
  after(() => srv.close());

  test("reviewToken: a token-file token is reviewed as its user, in system:authenticated, for the API's audiences", async () => {
    assert.deepEqual(await review("sched-token"), {
      authenticated: true, user: { username: "system:kube-scheduler", uid: "u1", groups: ["system:authenticated"], extra: {} }, audiences: [DEFAULT_ISSUER],
    });
    assert.deepEqual(((await review("node-token")).user as Json).groups, ["system:nodes", "system:authenticated"]);
  });

  test("reviewToken: the static token is reviewed as its user", async () => {
    assert.deepEqual((await review(ADMIN)).user, { username: "admin", groups: ["system:masters", "system:authenticated"], extra: {} });
  });

  test("reviewToken: a token-file token is valid for the API's audiences only (upstream's audience-agnostic wrapper)", async () => {
    assert.deepEqual(await review("sched-token", ["vault"]), { user: {}, error: "invalid bearer token" });
    assert.deepEqual((await review("sched-token", ["vault", DEFAULT_ISSUER])).audiences, [DEFAULT_ISSUER]);
  });

  test("reviewToken: a token-file token authenticates requests as its user too", async () => {
    const res = await srv.call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }, { Authorization: "Bearer sched-token" });
    assert.deepEqual((res.body.status as Json).userInfo, { username: "system:kube-scheduler", uid: "u1", groups: ["system:authenticated"] });
  });
});
