import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { audienceAgnostic, bearerAuthenticator } from "./bearer.js";
import { formatTokenFile, parseTokenFile, tokenFileAuthenticator } from "./token-file.js";

test("parseTokenFile: upstream's CSV lines, quoted groups, comments; a bad line is named", () => {
  const tokens = parseTokenFile(`# components\nt1,system:kube-scheduler,u1\nt2,system:node:n1,,"system:nodes,extra"\n\n`);
  assert.deepEqual(tokens.get("t1"), { name: "system:kube-scheduler", uid: "u1", groups: [] });
  assert.deepEqual(tokens.get("t2"), { name: "system:node:n1", uid: undefined, groups: ["system:nodes", "extra"] });
  assert.throws(() => parseTokenFile("t1\n"), /token file line 1/);
  assert.throws(() => parseTokenFile("ok,u,1\n,user,2"), /token file line 2/);
  assert.deepEqual(parseTokenFile(formatTokenFile(tokens)), tokens);
});

test("tokenFileAuthenticator: each token is its user; others are no one's", async () => {
  const auth = bearerAuthenticator(audienceAgnostic(tokenFileAuthenticator(parseTokenFile(`a,alice,1,"g"\nb,bob,2`)), []), []);
  const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;
  assert.equal((await auth(req("a")))?.name, "alice");
  assert.equal((await auth(req("b")))?.name, "bob");
  assert.equal(await auth(req("c")), undefined);
  assert.equal(await auth(req("")), undefined);
});
