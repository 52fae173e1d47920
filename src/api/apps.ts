/** Well-known names of apps/v1 objects, shared by the API server and the controllers. */

/** apps/v1 keeps a DaemonSet's templateGeneration here: 1 at creation, +1 with each template change. */
export const DAEMONSET_TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";
