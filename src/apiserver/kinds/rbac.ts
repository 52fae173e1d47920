import {
  defaultBinding, rbacName, validateBinding, validateBindingUpdate, validateClusterRole, validateRole,
} from "../../api/rbac/validation.js";
import type { ClusterRole, Role, RoleBinding } from "../../api/rbac/types.js";
import type { KubeObject } from "../../api/types.js";
import type { Strategy } from "../resource.js";

const asRole = (o: KubeObject) => o as Role;
const asBinding = (o: KubeObject) => o as RoleBinding;

/** Roles and ClusterRoles: rules checked (URLs only in ClusterRoles), names any path segment. */
export const roleStrategy: Strategy = {
  status: false,
  generation: false,
  nameRule: rbacName,
  validate: (o) => validateRole(asRole(o)),
};

export const clusterRoleStrategy: Strategy = {
  status: false,
  generation: false,
  nameRule: rbacName,
  validate: (o) => validateClusterRole(o as ClusterRole),
};

function bindingStrategy(namespaced: boolean): Strategy {
  return {
    status: false,
    generation: false,
    nameRule: rbacName,
    defaults: (o) => defaultBinding(asBinding(o)),
    validate: (o) => validateBinding(asBinding(o), namespaced),
    validateUpdate: (o, old) => validateBindingUpdate(asBinding(o), asBinding(old)),
  };
}

export const roleBindingStrategy = bindingStrategy(true);
export const clusterRoleBindingStrategy = bindingStrategy(false);
