import { StatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { AdmitUpdate } from "../registry/rest.js";
import type { ResourceInfo } from "../resource.js";
import { currentUser } from "./context.js";
import { Groups, type Authorizer, type UserInfo } from "./types.js";

interface Csr {
  spec?: { signerName?: string };
  status?: { certificate?: string; conditions?: unknown[] };
}

/**
 * Whether `user` may `verb` (approve, sign) the synthetic `signers` resource named `signerName`, or every
 * signer of its domain (`kubernetes.io/*`), as upstream's IsAuthorizedForSignerName asks it.
 */
export async function mayUseSigner(authorizer: Authorizer, user: UserInfo, verb: "approve" | "sign", signerName: string): Promise<boolean> {
  if (user.groups.includes(Groups.masters)) return true;
  for (const name of [signerName, `${signerName.split("/")[0]}/*`]) {
    const decision = await authorizer.authorize({
      user, verb, resourceRequest: true, path: "", apiGroup: "certificates.k8s.io", apiVersion: "*", resource: "signers", subresource: "", namespace: "", name,
    });
    if (decision.decision === "allow") return true;
  }
  return false;
}

/**
 * Upstream's CertificateApproval and CertificateSigning admission: approving or denying a request through
 * /approval takes the `approve` verb on its signer, and changing its certificate or conditions through
 * /status the `sign` verb — checked against the stored request's signerName. Without an authorizer (tests,
 * in-process callers) everything passes.
 */
export function signerAdmission(authorizer: () => Authorizer | undefined): AdmitUpdate {
  return async (resource: ResourceInfo, obj: KubeObject, old: KubeObject, subresource: string) => {
    if (resource.group !== "certificates.k8s.io" || resource.plural !== "certificatesigningrequests") return;
    const verb = subresource === "approval" ? "approve" : subresource === "status" ? "sign" : undefined;
    const authz = authorizer();
    const user = currentUser();
    if (!verb || !authz || !user) return;
    const before = old as Csr;
    const after = obj as Csr;
    if (verb === "sign" && before.status?.certificate === after.status?.certificate
      && JSON.stringify(before.status?.conditions ?? []) === JSON.stringify(after.status?.conditions ?? [])) return;
    const signerName = before.spec?.signerName ?? "";
    if (await mayUseSigner(authz, user, verb, signerName)) return;
    const name = obj.metadata.name ?? "";
    throw new StatusError(403, "Forbidden",
      `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to ${verb} requests with signerName "${signerName}"`,
      { name, group: "certificates.k8s.io", kind: "certificatesigningrequests" });
  };
}
