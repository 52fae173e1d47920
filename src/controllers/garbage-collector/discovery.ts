import type { RestClient, ResourceRef } from "../../client/rest.js";

export interface Kinded extends ResourceRef {
  kind: string;
}

interface ResourceList {
  groupVersion: string;
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
}

/**
 * Every resource the server serves that can be listed, watched and deleted (subresources excluded),
 * found through discovery as upstream's garbage collector finds its "deletable resources". Events are
 * left out: nothing owns them and they are the most numerous.
 */
export async function deletableResources(client: RestClient): Promise<Kinded[]> {
  const groupVersions = ["v1"];
  const groups = await client.request<{ groups: Array<{ preferredVersion: { groupVersion: string } }> }>("GET", "/apis");
  for (const g of groups.groups) groupVersions.push(g.preferredVersion.groupVersion);
  const out: Kinded[] = [];
  for (const gv of groupVersions) {
    const list = await client.request<ResourceList>("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`);
    const [group, version] = gv.includes("/") ? (gv.split("/") as [string, string]) : ["", gv];
    for (const r of list.resources) {
      if (r.name.includes("/") || r.name === "events") continue;
      if (!["list", "watch", "delete"].every((v) => r.verbs.includes(v))) continue;
      out.push({ group, version, resource: r.name, namespaced: r.namespaced, kind: r.kind });
    }
  }
  return out;
}
