import { describeSeed004 } from "./statefulset-seeds.js";

// The same seed replay as statefulset.e2e.test.ts, with real containers from pulled images.
describeSeed004("containerd");
