import type { ResourceInfo } from "../resource.js";
import type { UserInfo } from "./types.js";

/** authentication.k8s.io/v1 UserInfo, as reviews report a user (username, uid, groups, extra; empty ones left out). */
export function userInfoStatus(user: UserInfo): Record<string, unknown> {
  return {
    username: user.name,
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.groups.length ? { groups: user.groups } : {}),
    ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
  };
}

/**
 * authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`): POST one, get it back with
 * `status.userInfo`, the user the request was authenticated (or impersonated) as. Nothing is stored.
 */
export const selfSubjectReviews: ResourceInfo = {
  group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview", listKind: "SelfSubjectReviewList",
  plural: "selfsubjectreviews", singular: "selfsubjectreview", namespaced: false, subresources: [],
  strategy: { status: false, generation: false },
  table: { columns: [], cells: () => [] },
  verbs: ["create"],
  review: (obj, { user }) => ({
    kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1",
    metadata: { ...obj.metadata, creationTimestamp: null } as never,
    status: { userInfo: userInfoStatus(user) },
  }),
};
