import { validateCertificateSigningRequest, validateConditions, type Csr, type CsrCondition } from "../../api/validation/certificates.js";
import type { KubeObject } from "../../api/types.js";
import { currentUser } from "../auth/context.js";
import type { ResourceInfo } from "../resource.js";
import { age, humanDuration } from "../tables/format.js";

type Json = Record<string, unknown>;
const asCsr = (o: KubeObject) => o as unknown as Csr;

/** kubectl's CONDITION column: the conditions' types joined (Approved,Issued when a certificate is there), or Pending. */
function condition(csr: Csr): string {
  const types = (csr.status?.conditions ?? []).map((c) => c.type ?? "");
  if (csr.status?.certificate) types.push("Issued");
  return types.length ? types.join(",") : "Pending";
}

/**
 * certificates.k8s.io/v1 CertificateSigningRequest, as upstream's strategies: a create records who asked
 * (spec.username, uid, groups, extra from the request's user) and starts with no status; the spec never
 * changes after; /approval changes only status.conditions (Approved, Denied), /status everything else of
 * the status (the certificate, Failed) but not the approval.
 */
export const certificateSigningRequests: ResourceInfo = {
  group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest", listKind: "CertificateSigningRequestList",
  plural: "certificatesigningrequests", singular: "certificatesigningrequest", shortNames: ["csr"], namespaced: false,
  subresources: ["status", "approval"], fields: ["spec.signerName"],
  strategy: {
    status: true,
    generation: false,
    prepareForCreate(obj) {
      const user = currentUser();
      const spec = (obj.spec ??= {}) as Json;
      for (const k of ["username", "uid", "groups", "extra"]) delete spec[k];
      if (user) {
        spec.username = user.name;
        if (user.uid) spec.uid = user.uid;
        spec.groups = user.groups;
        if (user.extra && Object.keys(user.extra).length) spec.extra = user.extra;
      }
      obj.status = {};
    },
    prepareForUpdate(obj, old) {
      obj.spec = old.spec;
    },
    prepareForStatusUpdate(obj, old, subresource) {
      const next = (obj.status ?? {}) as { conditions?: CsrCondition[]; certificate?: string };
      const current = (old.status ?? {}) as { conditions?: CsrCondition[]; certificate?: string };
      const keep = (from: CsrCondition[] | undefined, types: string[], onto: CsrCondition[]) =>
        [...onto.filter((c) => !types.includes(c.type ?? "")), ...(from ?? []).filter((c) => types.includes(c.type ?? ""))];
      let conditions: CsrCondition[];
      if (subresource === "approval") {
        // Only the conditions change through /approval, and a Failed one stays as it was.
        conditions = keep(current.conditions, ["Failed"], next.conditions ?? []);
        obj.status = { ...current };
      } else {
        // Through /status the Approved and Denied conditions stay as they were (upstream's preserveConditionInstances).
        conditions = keep(current.conditions, ["Approved", "Denied"], next.conditions ?? []);
        obj.status = { ...next };
      }
      if (conditions.length) (obj.status as Json).conditions = conditions;
      else delete (obj.status as Json).conditions;
    },
    defaults(obj) {
      for (const c of ((obj.status as { conditions?: CsrCondition[] } | undefined)?.conditions ?? [])) if (!c.status) c.status = "True";
    },
    validate: (obj) => validateCertificateSigningRequest(asCsr(obj)),
    validateStatusUpdate: (obj) => validateConditions(asCsr(obj).status?.conditions),
  },
  table: {
    columns: [
      { name: "Name", type: "string", format: "name" }, { name: "Age", type: "date" }, { name: "SignerName", type: "string" },
      { name: "Requestor", type: "string" }, { name: "RequestedDuration", type: "string" }, { name: "Condition", type: "string" },
    ],
    cells: (obj, ctx) => {
      const csr = asCsr(obj);
      return [obj.metadata.name, age(obj.metadata.creationTimestamp ?? undefined, ctx), csr.spec?.signerName ?? "", csr.spec?.username ?? "", csr.spec?.expirationSeconds === undefined ? "<none>" : humanDuration(csr.spec.expirationSeconds * 1000), condition(csr)];
    },
  },
};
