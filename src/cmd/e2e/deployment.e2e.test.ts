import { describeSeed000, describeSeed002 } from "./deployment-seeds.js";

describeSeed000("process");
describeSeed002("process");
