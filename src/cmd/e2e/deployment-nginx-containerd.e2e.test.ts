import { describeSeed002 } from "./deployment-seeds.js";

// Seed 002's replay of deployment.e2e.test.ts with real containers from pulled images.
describeSeed002("containerd");
