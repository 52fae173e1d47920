/** Well-known names of discovery.k8s.io: how EndpointSlices name their service and their writer. */

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
/** When the change behind an Endpoints or EndpointSlice write happened (the proxy's programming latency starts there). */
export const TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";
