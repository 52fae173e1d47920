#!/usr/bin/env node
import "../dist/src/cmd/tug.js";
