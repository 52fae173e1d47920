import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.js";
import { Expectations } from "./expectations.js";

describe("Expectations", () => {
  test("unsatisfied until every expected create and delete is observed", () => {
    const e = new Expectations(new FakeClock());
    assert.equal(e.satisfied("ns/rs"), true);
    e.expect("ns/rs", 2, 1);
    e.creationObserved("ns/rs");
    e.deletionObserved("ns/rs");
    assert.equal(e.satisfied("ns/rs"), false);
    e.creationObserved("ns/rs");
    assert.equal(e.satisfied("ns/rs"), true);
  });
  test("a failed create is lowered, not waited for", () => {
    const e = new Expectations(new FakeClock());
    e.expect("k", 3, 0);
    e.creationObserved("k");
    e.lowerAdds("k", 2);
    assert.equal(e.satisfied("k"), true);
  });
  test("expectations expire after five minutes, in case an event was lost", () => {
    const clock = new FakeClock();
    const e = new Expectations(clock);
    e.expect("k", 1, 0);
    clock.advance(5 * 60_000 + 1);
    assert.equal(e.satisfied("k"), true);
  });
});
