import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { equalIgnoreHash, podTemplateHash } from "./hash.js";

const template = (image: string) => ({ metadata: { labels: { app: "deploy-app" } }, spec: { containers: [{ name: "myapp", image }] } });

describe("pod-template-hash", () => {
  test("looks like upstream's: up to 10 characters of the safe alphabet", () => {
    assert.match(podTemplateHash(template("ikubernetes/myapp:v1")), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
  test("same template, same hash; key order does not matter", () => {
    const a = template("ikubernetes/myapp:v1");
    const b = { spec: { containers: [{ image: "ikubernetes/myapp:v1", name: "myapp" }] }, metadata: { labels: { app: "deploy-app" } } };
    assert.equal(podTemplateHash(a), podTemplateHash(b));
  });
  test("another template or a collision count gives another hash", () => {
    const h = podTemplateHash(template("ikubernetes/myapp:v1"));
    assert.notEqual(podTemplateHash(template("ikubernetes/myapp:v2")), h);
    assert.notEqual(podTemplateHash(template("ikubernetes/myapp:v1"), 1), h);
    assert.notEqual(podTemplateHash(template("ikubernetes/myapp:v1"), 0), h, "a count of 0 is hashed too, as upstream's non-nil pointer");
  });
  test("equalIgnoreHash sets the pod-template-hash label aside", () => {
    const withHash = { ...template("x"), metadata: { labels: { app: "deploy-app", "pod-template-hash": "abc" } } };
    assert.ok(equalIgnoreHash(withHash, template("x")));
    assert.ok(!equalIgnoreHash(withHash, template("y")));
    assert.ok(equalIgnoreHash({ metadata: { labels: { "pod-template-hash": "abc" } } }, { metadata: {} }));
  });
});
