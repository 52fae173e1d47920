import { prepareSecret, validateSecret, validateSecretUpdate } from "../../api/validation/secret.js";
import type { KubeObject } from "../../api/types.js";
import type { Strategy } from "../resource.js";

type SecretObject = Parameters<typeof validateSecret>[0];
const asSecret = (o: KubeObject) => o as unknown as SecretObject;

/** Upstream's secret strategy: stringData folded into data, type defaulted and fixed once created, typed secrets checked. */
export const secretStrategy: Strategy = {
  status: false,
  generation: false,
  defaults: (secret) => prepareSecret(asSecret(secret)),
  validate: (secret) => validateSecret(asSecret(secret)),
  validateUpdate: (secret, old) => validateSecretUpdate(asSecret(secret), asSecret(old)),
};
