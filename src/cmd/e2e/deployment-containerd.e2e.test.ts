import { describeSeed000 } from "./deployment-seeds.js";

// Seed 000's rollouts of deployment.e2e.test.ts with real containers from pulled images. Its Recreate and
// progress deadline cases, and seed 002, are files of their own: each file has the suite's two minutes.
describeSeed000("containerd");
