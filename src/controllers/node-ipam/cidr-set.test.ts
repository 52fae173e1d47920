import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CidrOutOfRangeError, CidrSet, CidrSetFullError } from "./cidr-set.js";

/** Runs `steps` on a fresh set; each step's result (a CIDR, "ok", or the error's class name). */
function run(cluster: string, mask: number, steps: Array<["allocate"] | ["occupy" | "release", string]>): string[] {
  const set = new CidrSet(cluster, mask);
  return steps.map(([op, cidr]) => {
    try {
      if (op === "allocate") return set.allocateNext();
      set[op](cidr!);
      return "ok";
    } catch (err) {
      return (err as Error).name;
    }
  });
}

describe("CidrSet", () => {
  const cases: Array<{ name: string; cluster: string; mask: number; steps: Array<["allocate"] | ["occupy" | "release", string]>; want: string[] }> = [
    {
      name: "hands out /24s of a /16 in order",
      cluster: "10.88.0.0/16", mask: 24, steps: [["allocate"], ["allocate"], ["allocate"]],
      want: ["10.88.0.0/24", "10.88.1.0/24", "10.88.2.0/24"],
    },
    {
      name: "exhaustion: a /22 has four /24s, the fifth allocation fails",
      cluster: "10.1.0.0/22", mask: 24, steps: [["allocate"], ["allocate"], ["allocate"], ["allocate"], ["allocate"]],
      want: ["10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24", "CidrSetFullError"],
    },
    {
      name: "release: a released subnet is handed out again once the others are taken",
      cluster: "10.1.0.0/23", mask: 24, steps: [["allocate"], ["allocate"], ["release", "10.1.0.0/24"], ["allocate"], ["allocate"]],
      want: ["10.1.0.0/24", "10.1.1.0/24", "ok", "10.1.0.0/24", "CidrSetFullError"],
    },
    {
      name: "release: the search goes on after the last handed out, not back to the one just freed",
      cluster: "10.1.0.0/22", mask: 24, steps: [["allocate"], ["allocate"], ["release", "10.1.0.0/24"], ["allocate"]],
      want: ["10.1.0.0/24", "10.1.1.0/24", "ok", "10.1.2.0/24"],
    },
    {
      name: "rebuild: subnets Nodes already hold are occupied and skipped",
      cluster: "10.88.0.0/16", mask: 24, steps: [["occupy", "10.88.0.0/24"], ["occupy", "10.88.2.0/24"], ["allocate"], ["allocate"]],
      want: ["ok", "ok", "10.88.1.0/24", "10.88.3.0/24"],
    },
    {
      name: "a node that already has a CIDR: occupying it twice is no error, and it is never handed out",
      cluster: "10.1.0.0/23", mask: 24, steps: [["occupy", "10.1.1.0/24"], ["occupy", "10.1.1.0/24"], ["allocate"], ["allocate"]],
      want: ["ok", "ok", "10.1.0.0/24", "CidrSetFullError"],
    },
    {
      name: "a CIDR outside the cluster CIDR (a simulated node's) is refused, not occupied",
      cluster: "10.88.0.0/16", mask: 24, steps: [["occupy", "10.244.0.0/24"], ["release", "10.244.0.0/24"], ["occupy", "not-a-cidr"], ["allocate"]],
      want: ["CidrOutOfRangeError", "CidrOutOfRangeError", "CidrOutOfRangeError", "10.88.0.0/24"],
    },
    {
      name: "a range wider than the cluster CIDR (the service range over it) occupies every subnet it covers",
      cluster: "10.96.0.0/23", mask: 24, steps: [["occupy", "10.96.0.0/12"], ["allocate"]],
      want: ["ok", "CidrSetFullError"],
    },
    {
      name: "a range inside the cluster CIDR wider than a subnet occupies each /24 it covers",
      cluster: "10.0.0.0/8", mask: 24, steps: [["occupy", "10.0.0.0/23"], ["allocate"]],
      want: ["ok", "10.0.2.0/24"],
    },
  ];
  for (const c of cases) {
    test(`CidrSet ${c.name}`, () => assert.deepEqual(run(c.cluster, c.mask, c.steps), c.want));
  }

  test("CidrSet counts what is handed out", () => {
    const set = new CidrSet("10.88.0.0/16", 24);
    set.occupy("10.88.7.0/24");
    set.allocateNext();
    set.release("10.88.7.0/24");
    set.release("10.88.7.0/24");
    assert.equal(set.size, 1);
  });

  test("CidrSet refuses flags that make no sense or would size a huge bitmap", () => {
    assert.throws(() => new CidrSet("10.88.0.0", 24), /invalid cluster CIDR "10.88.0.0"/);
    assert.throws(() => new CidrSet("10.88.0.0/16", 8), /invalid node CIDR mask size 8/);
    assert.throws(() => new CidrSet("10.88.0.0/16", 33), /invalid node CIDR mask size 33/);
    assert.throws(() => new CidrSet("10.0.0.0/8", 30), /node CIDR mask size 30 is too big for 10.0.0.0\/8: at most 24/);
    assert.doesNotThrow(() => new CidrSet("10.0.0.0/8", 24));
  });

  test("CidrSetFullError and CidrOutOfRangeError say which range", () => {
    const set = new CidrSet("10.1.0.0/24", 24);
    set.allocateNext();
    assert.throws(() => set.allocateNext(), (err: unknown) => err instanceof CidrSetFullError && /remaining CIDRs left to allocate in the accepted range 10.1.0.0\/24/.test(err.message));
    assert.throws(() => set.occupy("10.2.0.0/24"), (err: unknown) => err instanceof CidrOutOfRangeError && /10.2.0.0\/24 is not in the cluster CIDR 10.1.0.0\/24/.test(err.message));
  });
});
