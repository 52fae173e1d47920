import { describeSeed004 } from "./statefulset-seeds.js";

describeSeed004("process");
