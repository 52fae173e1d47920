import assert from "node:assert/strict";
import { test } from "node:test";
import { fieldErrorMessage } from "../field-errors.js";
import { isValidSysctlName, validateSysctls } from "./sysctls.js";

test("isValidSysctlName takes dot- and slash-separated names and refuses malformed ones", () => {
  for (const good of ["kernel.shmmax", "safe-and-unsafe", "net.ipv4.conf.eth0/1.forwarding", "net/ipv4/ip_forward", "a", "kernel.msg_max"]) assert.ok(isValidSysctlName(good), good);
  for (const bad of ["foo-", "bar..", ".kernel", "kernel.", "Kernel.shmmax", "_a", "a".repeat(254), ""]) assert.ok(!isValidSysctlName(bad), bad);
});

test("validateSysctls refuses malformed, missing and repeated names with upstream's messages", () => {
  const errs = validateSysctls([{ name: "foo-", value: "bar" }, { name: "kernel.shmmax", value: "1" }, { name: "safe-and-unsafe", value: "1" }, { name: "bar..", value: "42" }, { value: "1" }, { name: "kernel.shmmax", value: "2" }], "spec.securityContext.sysctls");
  assert.deepEqual(errs.map(fieldErrorMessage), [
    'spec.securityContext.sysctls[0].name: Invalid value: "foo-": must have at most 253 characters and match regex ([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?',
    'spec.securityContext.sysctls[3].name: Invalid value: "bar..": must have at most 253 characters and match regex ([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?',
    "spec.securityContext.sysctls[4].name: Required value",
    'spec.securityContext.sysctls[5].name: Duplicate value: "kernel.shmmax"',
  ]);
  assert.deepEqual(validateSysctls(undefined, "spec.securityContext.sysctls"), []);
});
