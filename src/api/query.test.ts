import { test } from "node:test";
import assert from "node:assert/strict";
import { queryBool, queryOptionalBool } from "./query.js";

test("queryBool reads every spelling clients send as upstream's parameter codec does", () => {
  const cases: Array<{ query: string; want: boolean }> = [
    { query: "", want: false },
    { query: "watch=true", want: true },
    { query: "watch=True", want: true }, // Python's str(True)
    { query: "watch=TRUE", want: true },
    { query: "watch=1", want: true },
    { query: "watch=t", want: true },
    { query: "watch=T", want: true },
    { query: "watch", want: true }, // present and empty: true upstream
    { query: "watch=false", want: false },
    { query: "watch=False", want: false },
    { query: "watch=FALSE", want: false },
    { query: "watch=0", want: false },
  ];
  for (const { query, want } of cases) assert.equal(queryBool(new URLSearchParams(query), "watch"), want, query);
});

test("queryOptionalBool is undefined only when the parameter is absent", () => {
  assert.equal(queryOptionalBool(new URLSearchParams(""), "sendInitialEvents"), undefined);
  assert.equal(queryOptionalBool(new URLSearchParams("sendInitialEvents=False"), "sendInitialEvents"), false);
  assert.equal(queryOptionalBool(new URLSearchParams("sendInitialEvents=True"), "sendInitialEvents"), true);
});
