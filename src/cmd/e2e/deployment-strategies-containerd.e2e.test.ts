import { describeSeed000Strategies } from "./deployment-seeds.js";

// Seed 000's Recreate and progress deadline cases of deployment.e2e.test.ts with real containers.
describeSeed000Strategies("containerd");
