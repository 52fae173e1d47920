import { describeSeed002 } from "./deployment-seeds.js";

describeSeed002("process");
