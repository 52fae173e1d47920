import { describeSeed000 } from "./deployment-seeds.js";

// Seed 000's rollouts (deployment-seeds.ts); its Recreate and progress deadline cases and seed 002 are files
// of their own, as on containerd: each file has the suite's two minutes to itself.
describeSeed000("process");
