import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { canIsolate, Cluster, eventually } from "./harness.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const claimsOf = (token: string): Json => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Json;
const ISSUER = "https://kubernetes.default.svc.cluster.local";
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** GNU wget (busybox's applet has no --ca-certificate): the pod verifies the API server with the mounted CA. */
const WGET = "/usr/bin/wget";
const pythonClient = () => spawnSync("/usr/bin/python3", ["-c", "import kubernetes"]).status === 0;

describe("service account tokens with real kubectl", () => {
  let c: Cluster;
  const tokenReview = (token: string): Json => JSON.parse(c.ok(["create", "-o", "json", "-f", "-"], JSON.stringify({
    apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token },
  }))) as Json;

  before(async () => {
    c = await Cluster.start();
    await eventually("the default ServiceAccount", () => c.kubectl(["get", "serviceaccount", "default"]).code === 0, 20_000);
  });
  after(async () => {
    await c?.stop();
  });

  test("kubectl create token prints a token for the API's audience that a TokenReview authenticates as the account", () => {
    const token = c.ok(["create", "token", "default"]).trim();
    const claims = claimsOf(token);
    assert.equal(claims.iss, ISSUER);
    assert.deepEqual(claims.aud, [ISSUER]);
    assert.equal(claims.exp - claims.iat, 3600);
    const status = tokenReview(token).status as Json;
    assert.equal(status.authenticated, true);
    assert.equal(status.user.username, "system:serviceaccount:default:default");
    assert.deepEqual(status.user.groups, ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]);
    assert.equal(c.kubectl(["--token", token, "get", "configmaps"]).code, 0, "the token authenticates kubectl");
  });

  test("kubectl create token --audience --duration sets both; under 10 minutes is upstream's 422", () => {
    const claims = claimsOf(c.ok(["create", "token", "default", "--audience", "vault", "--duration", "20m"]).trim());
    assert.deepEqual(claims.aud, ["vault"]);
    assert.equal(claims.exp - claims.iat, 1200);
    const short = c.kubectl(["create", "token", "default", "--duration", "5m"]);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
    assert.match(c.kubectl(["create", "token", "nobody"]).stderr, /serviceaccounts "nobody" not found/);
  });

  test("kubectl create token --bound-object-kind Pod binds the token to the pod: deleting the pod revokes it", async () => {
    c.ok(["run", "holder", "--image", "busybox", "--restart", "Never", "--command", "--", "sleep", "3600"]);
    const token = c.ok(["create", "token", "default", "--bound-object-kind", "Pod", "--bound-object-name", "holder"]).trim();
    const uid = c.ok(["get", "pod", "holder", "-o", "jsonpath={.metadata.uid}"]);
    assert.deepEqual(claimsOf(token)["kubernetes.io"].pod, { name: "holder", uid });
    assert.deepEqual(tokenReview(token).status.user.extra["authentication.kubernetes.io/pod-name"], ["holder"]);
    c.ok(["delete", "pod", "holder", "--grace-period", "0", "--force"]);
    await eventually("pod holder gone", () => c.kubectl(["get", "pod", "holder"]).code !== 0, 30_000);
    const status = tokenReview(token).status as Json;
    assert.equal(status.authenticated, undefined);
    assert.equal(status.error, "service account token has been invalidated");
  });

  test("/.well-known/openid-configuration and the JWKS name the key the tokens carry", () => {
    const config = JSON.parse(c.ok(["get", "--raw", "/.well-known/openid-configuration"])) as Json;
    assert.equal(config.issuer, ISSUER);
    const jwks = JSON.parse(c.ok(["get", "--raw", "/openid/v1/jwks"])) as Json;
    const header = JSON.parse(Buffer.from(c.ok(["create", "token", "default"]).split(".")[0]!, "base64url").toString()) as Json;
    assert.deepEqual(jwks.keys.map((k: Json) => k.kid), [header.kid]);
  });

  test("a pod reads its mounted token, CA and namespace and calls the API at kubernetes.default.svc and $KUBERNETES_SERVICE_HOST", {
    skip: (!canIsolate() && "needs root and the CNI plugins (pod networks)") || (!existsSync(WGET) && `needs ${WGET}`),
  }, async () => {
    const script = [
      `SA=${SA_DIR}`,
      'echo "namespace=$(cat $SA/namespace)"',
      'echo "token=$(cat $SA/token)"',
      `${WGET} -qO- -T 10 --ca-certificate=$SA/ca.crt --header "Authorization: Bearer $(cat $SA/token)" https://kubernetes.default.svc/api; echo " dns-rc=$?"`,
      `${WGET} -qO- -T 10 --ca-certificate=$SA/ca.crt --header "Authorization: Bearer $(cat $SA/token)" https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api; echo " ip-rc=$?"`,
      "sleep 3600",
    ].join("\n");
    c.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: "in-cluster" },
      spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "client", image: "busybox", command: ["sh", "-c", script] }] },
    }));
    const pod = c.json<Json>(["get", "pod", "in-cluster", "-o", "json"]);
    assert.equal(pod.spec.serviceAccountName, "default");
    assert.match(pod.spec.volumes[0].name, /^kube-api-access-/);
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: pod.spec.volumes[0].name, readOnly: true, mountPath: SA_DIR }]);
    let logs = "";
    await eventually("the pod's two API calls", () => /ip-rc=\d+/.test(logs = c.kubectl(["logs", "in-cluster"]).stdout), 60_000,
      () => `${logs}\n${c.kubectl(["describe", "pod", "in-cluster"]).stdout}`);
    assert.match(logs, /^namespace=default$/m);
    assert.match(logs, /\{"kind":"APIVersions","versions":\["v1"\].*\} dns-rc=0/);
    assert.match(logs, /\{"kind":"APIVersions","versions":\["v1"\].*\} ip-rc=0/);
    const token = /^token=(\S+)$/m.exec(logs)![1]!;
    const status = tokenReview(token).status as Json;
    assert.equal(status.authenticated, true);
    assert.equal(status.user.username, "system:serviceaccount:default:default");
    assert.deepEqual(status.user.extra["authentication.kubernetes.io/pod-name"], ["in-cluster"]);
    assert.deepEqual(status.user.extra["authentication.kubernetes.io/pod-uid"], [pod.metadata.uid]);
    c.ok(["delete", "pod", "in-cluster", "--wait=false"]);
  });

  test("a pod's Python client with load_incluster_config lists the namespace's ConfigMaps", {
    skip: (!canIsolate() && "needs root and the CNI plugins (pod networks)") || (!pythonClient() && "needs /usr/bin/python3 with python3-kubernetes"),
  }, async () => {
    const program = [
      "from kubernetes import client, config",
      "config.load_incluster_config()",
      "names = [c.metadata.name for c in client.CoreV1Api().list_namespaced_config_map(open('" + SA_DIR + "/namespace').read()).items]",
      "print('configmaps=' + ','.join(names))",
    ].join("\n");
    // RBAC grants a ServiceAccount nothing of its own: `view` in its namespace lets it list ConfigMaps.
    c.ok(["create", "rolebinding", "python-client-view", "--clusterrole=view", "--serviceaccount=default:default"]);
    c.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: "python-client" },
      spec: { restartPolicy: "Never", containers: [{ name: "client", image: "busybox", command: ["/usr/bin/python3", "-c", program] }] },
    }));
    await eventually("the Python client pod to finish", () => /Succeeded|Failed/.test(c.kubectl(["get", "pod", "python-client", "-o", "jsonpath={.status.phase}"]).stdout), 60_000);
    const logs = c.ok(["logs", "python-client"]);
    assert.match(logs, /^configmaps=.*kube-root-ca\.crt/m, logs);
  });

  test("a pod's token has exactly what RBAC grants its ServiceAccount: pods of its namespace with a RoleBinding, Secrets 403 until one allows them", {
    skip: (!canIsolate() && "needs root and the CNI plugins (pod networks)") || (!existsSync(WGET) && `needs ${WGET}`),
  }, async () => {
    c.ok(["create", "namespace", "team"]);
    c.ok(["create", "serviceaccount", "reader", "-n", "team"]);
    c.ok(["create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", "team"]);
    c.ok(["create", "rolebinding", "reader-pods", "--role=pod-reader", "--serviceaccount=team:reader", "-n", "team"]);
    const call = (what: string, path: string) =>
      `echo "${what}=$(${WGET} -qO- --content-on-error -T 10 --ca-certificate=$SA/ca.crt --header "Authorization: Bearer $(cat $SA/token)" https://kubernetes.default.svc${path} | head -c 400 | tr -d '\\n')"`;
    const script = [`SA=${SA_DIR}`, "while true; do", call("pods", "/api/v1/namespaces/team/pods"), call("secrets", "/api/v1/namespaces/team/secrets"),
      call("other", "/api/v1/namespaces/default/pods"), "echo round; sleep 1; done"].join("\n");
    c.ok(["apply", "-n", "team", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: "reader" },
      spec: { serviceAccountName: "reader", terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox", command: ["sh", "-c", script] }] },
    }));
    let logs = "";
    const lastRound = () => logs.split("round").slice(-2, -1)[0] ?? "";
    await eventually("a round of the pod's calls", () => /pods=/.test((logs = c.kubectl(["logs", "reader", "-n", "team"]).stdout, lastRound())), 60_000, () => `${logs}\n${c.kubectl(["describe", "pod", "reader", "-n", "team"]).stdout}`);
    const first = lastRound();
    assert.match(first, /pods=.*"kind":"PodList"/, first);
    assert.match(first, /secrets=.*secrets is forbidden: User \\"system:serviceaccount:team:reader\\" cannot list resource \\"secrets\\" in API group \\"\\" in the namespace \\"team\\".*"code":403/, first);
    assert.match(first, /other=.*"code":403/, first);
    const denied = c.kubectl(["get", "secrets", "-n", "team", "--as=system:serviceaccount:team:reader"]);
    assert.match(denied.stderr, /secrets is forbidden: User "system:serviceaccount:team:reader" cannot list resource "secrets" in API group "" in the namespace "team"/);
    c.ok(["create", "role", "secret-reader", "--verb=list", "--resource=secrets", "-n", "team"]);
    c.ok(["create", "rolebinding", "reader-secrets", "--role=secret-reader", "--serviceaccount=team:reader", "-n", "team"]);
    await eventually("the Secrets the new RoleBinding allows", () => {
      logs = c.kubectl(["logs", "reader", "-n", "team"]).stdout;
      return /secrets=.*"kind":"SecretList"/.test(lastRound());
    }, 60_000, () => logs);
    c.ok(["delete", "namespace", "team", "--wait=false"]);
  });

  test("automountServiceAccountToken: false on the pod gives it no token volume", () => {
    c.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: "no-token" },
      spec: { automountServiceAccountToken: false, containers: [{ name: "c", image: "busybox", command: ["sleep", "1"] }] },
    }));
    const pod = c.json<Json>(["get", "pod", "no-token", "-o", "json"]);
    assert.equal(pod.spec.volumes, undefined);
    c.ok(["delete", "pod", "no-token", "--wait=false"]);
  });

  test("a kubernetes.io/service-account-token Secret is filled with a legacy token that authenticates", async () => {
    c.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token",
      metadata: { name: "default-token", annotations: { "kubernetes.io/service-account.name": "default" } },
    }));
    let token = "";
    await eventually("the legacy token", () => (token = c.kubectl(["get", "secret", "default-token", "-o", "jsonpath={.data.token}"]).stdout) !== "", 20_000);
    const legacy = Buffer.from(token, "base64").toString();
    assert.equal(claimsOf(legacy).iss, "kubernetes/serviceaccount");
    assert.equal(tokenReview(legacy).status.user.username, "system:serviceaccount:default:default");
  });
});
