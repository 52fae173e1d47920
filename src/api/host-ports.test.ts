import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HostPortSet, podHostPorts } from "./host-ports.js";

describe("host ports", () => {
  test("podHostPorts: defaults protocol TCP and hostIP 0.0.0.0; ports without hostPort take nothing", () => {
    const spec = { containers: [{ ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 53, protocol: "UDP", hostIP: "127.0.0.1" }, { containerPort: 9 }] }] };
    assert.deepEqual(podHostPorts(spec), ["TCP/0.0.0.0/8080", "UDP/127.0.0.1/53"]);
  });

  const cases: Array<{ name: string; used: string[]; want: string; conflict: boolean }> = [
    { name: "same protocol, IP and port", used: ["TCP/127.0.0.1/80"], want: "TCP/127.0.0.1/80", conflict: true },
    { name: "0.0.0.0 wanted conflicts with any IP", used: ["TCP/127.0.0.1/80"], want: "TCP/0.0.0.0/80", conflict: true },
    { name: "0.0.0.0 used conflicts with any IP wanted", used: ["TCP/0.0.0.0/80"], want: "TCP/10.0.0.1/80", conflict: true },
    { name: "other IPs share a port", used: ["TCP/127.0.0.1/80"], want: "TCP/127.0.0.2/80", conflict: false },
    { name: "other protocol", used: ["TCP/0.0.0.0/80"], want: "UDP/0.0.0.0/80", conflict: false },
    { name: "other port", used: ["TCP/0.0.0.0/80"], want: "TCP/0.0.0.0/81", conflict: false },
  ];
  for (const c of cases) {
    test(`HostPortSet.conflicts: ${c.name}`, () => {
      const set = new HostPortSet();
      for (const k of c.used) set.add(k);
      assert.equal(set.conflicts(c.want), c.conflict);
    });
  }

  test("HostPortSet.add: a port freed by every pod that used it is free", () => {
    const set = new HostPortSet();
    set.add("TCP/0.0.0.0/80");
    set.add("TCP/0.0.0.0/80");
    set.add("TCP/0.0.0.0/80", -1);
    assert.equal(set.conflicts("TCP/1.2.3.4/80"), true);
    set.add("TCP/0.0.0.0/80", -1);
    assert.equal(set.conflicts("TCP/1.2.3.4/80"), false);
    assert.equal(set.size, 0);
  });
});
