import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import { maxRevision, parseRevision, REVISION, REVISION_HISTORY, setNewReplicaSetAnnotations } from "./annotations.js";

const rs = (revision?: string): ReplicaSet => ({ metadata: { annotations: revision === undefined ? {} : { [REVISION]: revision } } });

describe("deployment revisions", () => {
  const cases: Array<{ name: string; text: string | undefined; want: bigint | undefined }> = [
    { name: "an int64 beyond 2^53 keeps every digit", text: "3546343826724305832", want: 3546343826724305832n },
    { name: "the int64 maximum", text: "9223372036854775807", want: 9223372036854775807n },
    { name: "beyond int64 is unreadable", text: "9223372036854775808", want: undefined },
    { name: "a sign is allowed, as strconv.ParseInt", text: "+7", want: 7n },
    { name: "a decimal point is unreadable", text: "1.5", want: undefined },
    { name: "empty is unreadable", text: "", want: undefined },
    { name: "absent", text: undefined, want: undefined },
  ];
  for (const c of cases) test(`parseRevision: ${c.name}`, () => assert.equal(parseRevision(c.text), c.want));

  test("maxRevision + 1 is exact for revisions beyond 2^53, and skips unreadable ones", () => {
    assert.equal(String(maxRevision([rs("3546343826724305832"), rs("x"), rs("2")]) + 1n), "3546343826724305833");
  });

  test("setNewReplicaSetAnnotations: the new revision is written in full and the old one joins the history", () => {
    const d: Deployment = { metadata: {} };
    const target = rs("3546343826724305832");
    assert.equal(setNewReplicaSetAnnotations(d, target, 3546343826724305833n), true);
    assert.equal(target.metadata!.annotations![REVISION], "3546343826724305833");
    assert.equal(target.metadata!.annotations![REVISION_HISTORY], "3546343826724305832");
  });

  test("setNewReplicaSetAnnotations: an unreadable revision on the ReplicaSet is left alone, as upstream", () => {
    const target = rs("not-a-number");
    setNewReplicaSetAnnotations({ metadata: {} }, target, 5n);
    assert.equal(target.metadata!.annotations![REVISION], "not-a-number");
  });
});
