import { canonicalJson } from "../../api/canonical.js";
import { isAlreadyExists } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { Informer } from "../../client/informer.js";
import type { ResourceRef, RestClient } from "../../client/rest.js";
import { CONTROLLERREVISIONS } from "../../client/resources.js";
import { ignoreGone } from "./errors.js";
import { computeHash } from "./hash.js";
import { controllerOf, controllerRef } from "./owner.js";

type Json = Record<string, unknown>;

/** The label DaemonSets and StatefulSets put on their pods and ControllerRevisions. */
export const REVISION_HASH_LABEL = "controller-revision-hash";

export interface Revision extends KubeObject {
  data?: unknown;
  revision: number;
}

/** The owner of a history: a DaemonSet or a StatefulSet, with how to reference it (its status.collisionCount salts the hash). */
export interface HistoryOwner {
  object: KubeObject;
  apiVersion: string;
  kind: string;
  resource: ResourceRef;
  template: Json;
}

/**
 * A revision's data, as upstream's getPatch stores it: a strategic merge patch that puts the template
 * back, so `kubectl rollout undo` applies it to the owner as it is.
 */
export function templatePatch(template: Json): Json {
  return { spec: { template: { ...template, $patch: "replace" } } };
}

/** The revision whose template the owner has now, and the owner's whole history (oldest first). */
export interface RevisionState {
  current: Revision;
  hash: string;
  history: Revision[];
}

/**
 * Upstream's controller history (pkg/controller/history) over a ControllerRevisions informer: the
 * revisions an owner controls, ordered by revision number; the one for its current template (made, or an
 * older equal one promoted to the next number, as a rollback does); and trimming to revisionHistoryLimit.
 */
export class ControllerHistory {
  constructor(private readonly client: RestClient, private readonly revisions: Informer) {}

  /** Revisions `owner` controls, oldest first. */
  owned(owner: KubeObject): Revision[] {
    const uid = owner.metadata.uid;
    return (this.revisions.lister().byIndex("owner", uid ?? "") as Revision[])
      .filter((r) => controllerOf(r)?.uid === uid)
      .sort((a, b) => a.revision - b.revision || (a.metadata.name! < b.metadata.name! ? -1 : 1));
  }

  /**
   * The revision of the owner's template: an existing one with the same data (renumbered to come last if
   * it isn't), or a new one named `<owner>-<hash>`. A namesake holding other data is a hash collision: the
   * owner's status.collisionCount goes up and HashCollision is thrown, so the next sync hashes anew.
   */
  async ensure(owner: HistoryOwner): Promise<RevisionState> {
    const history = this.owned(owner.object);
    const data = templatePatch(owner.template);
    const want = canonicalJson(data);
    const max = history.reduce((m, r) => Math.max(m, r.revision), 0);
    const equal = history.filter((r) => canonicalJson(r.data ?? {}) === want);
    const status = (owner.object.status ?? {}) as { collisionCount?: number };
    const hash = computeHash(owner.template, status.collisionCount);
    const existing = equal.at(-1);
    if (existing) {
      if (existing.revision === max) return { current: existing, hash: existing.metadata.labels?.[REVISION_HASH_LABEL] ?? hash, history };
      const bumped = await this.client.patch<Revision>(CONTROLLERREVISIONS, existing.metadata.namespace, existing.metadata.name!, "merge", { revision: max + 1 });
      return { current: bumped, hash: bumped.metadata.labels?.[REVISION_HASH_LABEL] ?? hash, history: history.map((r) => (r === existing ? bumped : r)) };
    }
    const { object } = owner;
    const labels = { ...((owner.template.metadata as Json | undefined)?.labels as Record<string, string> | undefined), [REVISION_HASH_LABEL]: hash };
    const revision: Revision = {
      apiVersion: "apps/v1", kind: "ControllerRevision",
      metadata: {
        name: `${object.metadata.name}-${hash}`, namespace: object.metadata.namespace, labels,
        annotations: object.metadata.annotations, ownerReferences: [controllerRef(object, owner.apiVersion, owner.kind)],
      },
      data, revision: max + 1,
    };
    try {
      const created = await this.client.create<Revision>(CONTROLLERREVISIONS, object.metadata.namespace, revision);
      return { current: created, hash, history: [...history, created] };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const clash = await this.client.get<Revision>(CONTROLLERREVISIONS, object.metadata.namespace, revision.metadata.name!);
      if (controllerOf(clash)?.uid === object.metadata.uid && canonicalJson(clash.data ?? {}) === want) return { current: clash, hash, history: [...history, clash] };
      await this.client.update(owner.resource, { ...object, apiVersion: owner.apiVersion, kind: owner.kind, status: { ...status, collisionCount: (status.collisionCount ?? 0) + 1 } }, "status");
      throw new HashCollision(revision.metadata.name!);
    }
  }

  /** Deletes the oldest revisions beyond `limit`, never one in `live` (the current one, and any a pod still runs). */
  async truncate(history: Revision[], live: Set<string>, limit: number): Promise<void> {
    const dead = history.filter((r) => !live.has(r.metadata.name!));
    const excess = dead.length - Math.max(0, limit);
    for (const r of dead.slice(0, Math.max(0, excess))) {
      await this.client.delete(CONTROLLERREVISIONS, r.metadata.namespace, r.metadata.name!, { preconditions: { uid: r.metadata.uid } }).catch(ignoreGone);
    }
  }
}

/** A revision name already taken by other data: the owner's status.collisionCount must go up. */
export class HashCollision extends Error {
  constructor(readonly revisionName: string) {
    super(`controller revision ${revisionName} already exists with other data; increasing the collision count`);
  }
}
