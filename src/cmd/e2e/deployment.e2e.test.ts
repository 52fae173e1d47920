import { describeSeed000, describeSeed000Strategies, describeSeed002 } from "./deployment-seeds.js";

describeSeed000("process");
describeSeed000Strategies("process");
describeSeed002("process");
