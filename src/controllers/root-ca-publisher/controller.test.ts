import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DESCRIPTION, DESCRIPTION_ANNOTATION, planRootCA } from "./controller.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("planRootCA", () => {
  test("planRootCA creates the ConfigMap a namespace lacks", () => {
    assert.equal(planRootCA(undefined, "a", CA), "create");
  });

  test("planRootCA leaves one holding exactly the CA and the description alone", () => {
    const cm = { metadata: { name: "kube-root-ca.crt", namespace: "a", annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data: { "ca.crt": CA } };
    assert.equal(planRootCA(cm, "a", CA), undefined);
  });

  test("planRootCA puts back changed data, drops extra keys and keeps other annotations", () => {
    const cm = { metadata: { name: "kube-root-ca.crt", namespace: "a", resourceVersion: "7", annotations: { mine: "x" } }, data: { "ca.crt": "changed", extra: "y" } };
    const plan = planRootCA(cm, "a", CA);
    assert.ok(plan && plan !== "create");
    assert.deepEqual(plan.data, { "ca.crt": CA });
    assert.deepEqual(plan.metadata.annotations, { mine: "x", [DESCRIPTION_ANNOTATION]: DESCRIPTION });
    assert.equal(plan.metadata.resourceVersion, "7");
  });
});
