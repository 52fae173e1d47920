import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPullPolicy } from "./pod.js";

test("defaultPullPolicy: Always for :latest or no tag, IfNotPresent otherwise (upstream's SetDefaults_Container)", () => {
  const cases: Array<{ image: string; want: string }> = [
    { image: "nginx", want: "Always" },
    { image: "nginx:latest", want: "Always" },
    { image: "nginx:1.14", want: "IfNotPresent" },
    { image: "localhost:5000/app", want: "Always" },
    { image: "localhost:5000/app:2", want: "IfNotPresent" },
    { image: "registry.example/team/app:latest", want: "Always" },
    { image: `app@sha256:${"a".repeat(64)}`, want: "IfNotPresent" },
    { image: `localhost:5000/app@sha256:${"a".repeat(64)}`, want: "IfNotPresent" },
    { image: `app:latest@sha256:${"a".repeat(64)}`, want: "Always" },
    { image: `app:1@sha256:${"a".repeat(64)}`, want: "IfNotPresent" },
  ];
  for (const c of cases) assert.equal(defaultPullPolicy(c.image), c.want, c.image);
});
