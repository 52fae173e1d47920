import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateSubject } from "../api/pki/certificates.js";
import { loadOrCreatePki } from "./pki.js";

function dataDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tug-pki-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("loadOrCreatePki makes the CA with its key (0600), the serving and admin certificates and the token, and reads them back", async (t) => {
  const dir = dataDir(t);
  const logs: unknown[] = [];
  const first = await loadOrCreatePki(dir, (e) => void logs.push(e));
  for (const f of ["ca.key", "apiserver.key", "admin.key", "admin.token"]) assert.equal(statSync(join(dir, "pki", f)).mode & 0o777, 0o600, f);
  const ca = new X509Certificate(first.ca.cert);
  assert.ok(new X509Certificate(first.serving.cert).verify(ca.publicKey));
  assert.ok(new X509Certificate(first.admin.cert).verify(ca.publicKey));
  assert.deepEqual(certificateSubject(first.admin.cert), { commonName: "kubernetes-admin", organizations: ["system:masters"] });
  const second = await loadOrCreatePki(dir, (e) => void logs.push(e));
  assert.deepEqual(second, first);
  assert.deepEqual(logs, []);
});

test("loadOrCreatePki on a data dir from before ca.key was kept makes a new PKI and says so once", async (t) => {
  const dir = dataDir(t);
  const old = await loadOrCreatePki(dir, () => {});
  unlinkSync(join(dir, "pki", "ca.key"));
  const logs: Array<Record<string, unknown>> = [];
  const renewed = await loadOrCreatePki(dir, (e) => void logs.push(e));
  assert.notEqual(renewed.ca.cert, old.ca.cert);
  assert.notEqual(renewed.serving.cert, old.serving.cert);
  assert.notEqual(renewed.admin.cert, old.admin.cert);
  assert.equal(renewed.token, old.token, "the static token is kept");
  assert.equal(logs.length, 1);
  assert.match(String(logs[0]!.msg), /no usable private key/);
  await loadOrCreatePki(dir, (e) => void logs.push(e));
  assert.equal(logs.length, 1, "only once");
});

test("loadOrCreatePki issues a certificate again when it is close to expiry", async (t) => {
  const dir = dataDir(t);
  const first = await loadOrCreatePki(dir, () => {}, [], new Date());
  const later = await loadOrCreatePki(dir, () => {}, [], new Date(Date.now() + 360 * 24 * 3600 * 1000));
  assert.equal(later.ca.cert, first.ca.cert);
  assert.notEqual(later.admin.cert, first.admin.cert);
});

test("loadOrCreatePki issues the serving certificate again when it lacks a host it must carry (the kubernetes Service's IP)", async (t) => {
  const dir = dataDir(t);
  const first = await loadOrCreatePki(dir, () => {});
  const same = await loadOrCreatePki(dir, () => {});
  assert.equal(same.serving.cert, first.serving.cert);
  const withIP = await loadOrCreatePki(dir, () => {}, ["10.96.0.1"]);
  assert.notEqual(withIP.serving.cert, first.serving.cert);
  assert.ok(new X509Certificate(withIP.serving.cert).checkIP("10.96.0.1"));
  assert.equal((await loadOrCreatePki(dir, () => {}, ["10.96.0.1"])).serving.cert, withIP.serving.cert, "kept once it carries it");
});
