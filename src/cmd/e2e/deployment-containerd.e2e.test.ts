import { describeSeed000, describeSeed002 } from "./deployment-seeds.js";

// The same seed replays as deployment.e2e.test.ts, with real containers from pulled images.
describeSeed000("containerd");
describeSeed002("containerd");
