#!/usr/bin/env -S node --max-semi-space-size=32
// The flags are TUG_NODE_FLAGS (src/cmd/node-flags.ts says why).
import "../dist/src/cmd/tug.js";
