import { prepareConfigMap, validateConfigMap, validateConfigMapUpdate } from "../../api/validation/configmap.js";
import type { KubeObject } from "../../api/types.js";
import type { Strategy } from "../resource.js";

type ConfigMapObject = Parameters<typeof validateConfigMap>[0];
const asConfigMap = (o: KubeObject) => o as unknown as ConfigMapObject;

/** Upstream's configmap strategy: keys checked, binaryData decodable, an immutable ConfigMap's data fixed. */
export const configMapStrategy: Strategy = {
  status: false,
  generation: false,
  defaults: (cm) => prepareConfigMap(asConfigMap(cm)),
  validate: (cm) => validateConfigMap(asConfigMap(cm)),
  validateUpdate: (cm, old) => validateConfigMapUpdate(asConfigMap(cm), asConfigMap(old)),
};
