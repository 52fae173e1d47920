import type { ConformanceCase } from "../case.js";
import { cases as controllerrevisions } from "./controllerrevisions.js";
import { cases as cronjobs } from "./cronjobs.js";
import { cases as daemonsets } from "./daemonsets.js";
import { cases as deployments } from "./deployments.js";
import { cases as disruption } from "./disruption.js";
import { cases as jobs } from "./jobs.js";
import { cases as replicasets } from "./replicasets.js";
import { cases as replicationcontrollers } from "./replicationcontrollers.js";
import { cases as statefulsets } from "./statefulsets.js";
import { cases as apiMachinery } from "./api-machinery.js";
import { cases as apiMachineryNotServed } from "./api-machinery-not-served.js";
import { cases as configAndEvents } from "./config-and-events.js";
import { cases as containers } from "./containers.js";
import { cases as dns } from "./dns.js";
import { cases as endpoints } from "./endpoints.js";
import { cases as env } from "./env.js";
import { cases as garbageCollector } from "./garbage-collector.js";
import { cases as namespaces } from "./namespaces.js";
import { cases as pods } from "./pods.js";
import { cases as probes } from "./probes.js";
import { cases as services } from "./services.js";
import { cases as servicesTraffic } from "./services-traffic.js";
import { cases as watch } from "./watch.js";
import { cases as kubelet } from "./kubelet.js";
import { cases as nodeObjects } from "./node-objects.js";
import { cases as ephemeralContainers } from "./ephemeral-containers.js";
import { cases as storageAndAuth } from "./storage-and-auth.js";
import { cases as serviceAccountTokens } from "./service-account-tokens.js";
import { cases as certificates } from "./certificates.js";
import { cases as volumesConfig } from "./volumes-config.js";
import { cases as volumesDownward } from "./volumes-downward.js";
import { cases as volumesEmptydir } from "./volumes-emptydir.js";
import { cases as cli } from "./cli.js";
import { cases as scheduling } from "./scheduling.js";

/**
 * Every case of the suite, area by area (one file an area, each exporting `cases`). The runner starts
 * them in this order, so the slow ones (CronJob: a run a minute) come first.
 */
export const ALL_CASES: ConformanceCase[] = [
  ...cronjobs,
  ...controllerrevisions,
  ...daemonsets,
  ...deployments,
  ...disruption,
  ...jobs,
  ...replicasets,
  ...replicationcontrollers,
  ...statefulsets,
  ...apiMachinery,
  ...apiMachineryNotServed,
  ...configAndEvents,
  ...containers,
  ...dns,
  ...endpoints,
  ...env,
  ...garbageCollector,
  ...namespaces,
  ...pods,
  ...probes,
  ...services,
  ...servicesTraffic,
  ...watch,
  ...kubelet,
  ...nodeObjects,
  ...ephemeralContainers,
  ...storageAndAuth,
  ...serviceAccountTokens,
  ...certificates,
  ...volumesConfig,
  ...volumesDownward,
  ...volumesEmptydir,
  ...cli,
  ...scheduling,
];
