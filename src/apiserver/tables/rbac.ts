import type { Subject } from "../../api/rbac/types.js";
import type { TableConvertor } from "../resource.js";
import { age, ageColumn, arr, col, nameColumn, obj } from "./format.js";

/** `kubectl get roles/clusterroles`: NAME, CREATED AT (RFC 3339, UTC). */
export const roleTable: TableConvertor = {
  columns: [nameColumn, { name: "Created At", type: "date", description: "Time when this Role was created" }],
  cells: (r) => [r.metadata.name, r.metadata.creationTimestamp ?? ""],
};

/** `kubectl get rolebindings/clusterrolebindings`: NAME, ROLE, AGE; wide: USERS, GROUPS, SERVICEACCOUNTS. */
export const roleBindingTable: TableConvertor = {
  columns: [nameColumn, col("Role"), ageColumn, col("Users", "string", 1), col("Groups", "string", 1), col("ServiceAccounts", "string", 1)],
  cells: (b, ctx) => {
    const ref = obj(b.roleRef);
    const subjects = arr(b.subjects) as unknown as Subject[];
    const of = (kind: string) => subjects.filter((s) => s.kind === kind);
    return [
      b.metadata.name, `${String(ref.kind ?? "")}/${String(ref.name ?? "")}`, age(b.metadata.creationTimestamp, ctx),
      of("User").map((s) => s.name).join(", "), of("Group").map((s) => s.name).join(", "),
      of("ServiceAccount").map((s) => `${s.namespace ?? ""}/${s.name}`).join(", "),
    ];
  },
};
