import { describeSeed000Strategies } from "./deployment-seeds.js";

describeSeed000Strategies("process");
