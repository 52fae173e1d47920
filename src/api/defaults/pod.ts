type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const setDefault = (o: Json, key: string, value: unknown) => {
  if (o[key] === undefined) o[key] = value;
};

/**
 * `Always` for `:latest` or untagged images, else `IfNotPresent` (upstream's SetDefaults_Container): an
 * image by digest alone has no tag (IfNotPresent), one with both keeps its tag (`app:latest@sha256:…`: Always).
 */
export function defaultPullPolicy(image: string): string {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : at >= 0 ? "(digest)" : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(probe: unknown): void {
  if (typeof probe !== "object" || probe === null) return;
  const p = probe as Json;
  setDefault(p, "timeoutSeconds", 1);
  setDefault(p, "periodSeconds", 10);
  setDefault(p, "successThreshold", 1);
  setDefault(p, "failureThreshold", 3);
  if (typeof p.httpGet === "object" && p.httpGet !== null) setDefault(p.httpGet as Json, "scheme", "HTTP");
}

function defaultContainer(c: Json): void {
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  if (typeof c.image === "string") setDefault(c, "imagePullPolicy", defaultPullPolicy(c.image));
  setDefault(c, "resources", {});
  for (const port of list(c.ports)) setDefault(port, "protocol", "TCP");
  for (const env of list(c.env)) {
    const fieldRef = (env.valueFrom as Json | undefined)?.fieldRef as Json | undefined;
    if (fieldRef) setDefault(fieldRef, "apiVersion", "v1");
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

/** SetDefaults_PodSpec and its containers, as the API server applies them on every write. */
export function defaultPodSpec(spec: unknown): void {
  if (typeof spec !== "object" || spec === null) return;
  const s = spec as Json;
  setDefault(s, "restartPolicy", "Always");
  setDefault(s, "terminationGracePeriodSeconds", 30);
  setDefault(s, "dnsPolicy", "ClusterFirst");
  setDefault(s, "securityContext", {});
  setDefault(s, "schedulerName", "default-scheduler");
  for (const c of [...list(s.initContainers), ...list(s.containers), ...list(s.ephemeralContainers)]) defaultContainer(c);
  for (const v of list(s.volumes)) {
    if (typeof v.emptyDir === "object" && v.emptyDir === null) v.emptyDir = {};
  }
}

export function defaultPodTemplate(template: unknown): void {
  if (typeof template !== "object" || template === null) return;
  defaultPodSpec((template as Json).spec);
}

/** Pod-only defaults: the tolerations upstream's DefaultTolerationSeconds admission adds, priority. */
export function defaultPod(pod: Json, tolerationSeconds: { notReady: number; unreachable: number }): void {
  const spec = pod.spec as Json | undefined;
  if (!spec) return;
  defaultPodSpec(spec);
  // The deprecated serviceAccount names the account when serviceAccountName doesn't (upstream's v1
  // conversion); the ServiceAccount admission plugin sets both on create. Pods only, and never the other
  // way on an update: a pod or template written again must not change (nor a template roll its workload).
  if (!spec.serviceAccountName && typeof spec.serviceAccount === "string" && spec.serviceAccount !== "") spec.serviceAccountName = spec.serviceAccount;
  setDefault(spec, "enableServiceLinks", true);
  setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
  setDefault(spec, "priority", 0);
  const tolerations = list(spec.tolerations);
  const has = (key: string) => tolerations.some((t) => (t.key === key || t.key === undefined) && (t.effect === "NoExecute" || t.effect === undefined));
  for (const [key, seconds] of [["node.kubernetes.io/not-ready", tolerationSeconds.notReady], ["node.kubernetes.io/unreachable", tolerationSeconds.unreachable]] as const) {
    if (!has(key)) tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
  }
  spec.tolerations = tolerations;
}
