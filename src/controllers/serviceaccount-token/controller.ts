import { exportJWK, exportSPKI, importJWK, importPKCS8, SignJWT } from "jose";
import { isNotFound } from "../../api/errors.js";
import {
  LEGACY_CLAIM, LEGACY_ISSUER, SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_SECRET, serviceAccountUsername, signingKeyId,
} from "../../api/service-accounts.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { SECRETS, SERVICEACCOUNTS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ignoreGone } from "../kit/errors.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { filledSecret, planTokenSecret, type Secret } from "./plan.js";

const ALG = "RS256";

/** Signs legacy tokens (upstream's LegacyClaims: iss kubernetes/serviceaccount, sub, and the four private claims; no expiry). */
export class LegacyTokenSigner {
  private constructor(private readonly key: CryptoKey, private readonly kid: string) {}

  static async fromPem(pem: string): Promise<LegacyTokenSigner> {
    const key = await importPKCS8(pem, ALG, { extractable: true });
    const { n, e } = await exportJWK(key);
    const kid = signingKeyId(await exportSPKI(await importJWK({ kty: "RSA", n, e }, ALG, { extractable: true }) as CryptoKey));
    return new LegacyTokenSigner(key, kid);
  }

  sign(account: KubeObject, secretName: string): Promise<string> {
    const namespace = account.metadata.namespace!;
    return new SignJWT({
      iss: LEGACY_ISSUER,
      [LEGACY_CLAIM.namespace]: namespace,
      [LEGACY_CLAIM.secretName]: secretName,
      [LEGACY_CLAIM.serviceAccountName]: account.metadata.name!,
      [LEGACY_CLAIM.serviceAccountUID]: account.metadata.uid ?? "",
      sub: serviceAccountUsername(namespace, account.metadata.name!),
    }).setProtectedHeader({ alg: ALG, kid: this.kid }).sign(this.key);
  }
}

/**
 * Upstream's service account tokens controller, as it is today: it never creates token Secrets for
 * accounts (upstream stopped that in 1.24); it fills in the ones people create — type
 * `kubernetes.io/service-account-token` with the `kubernetes.io/service-account.name` annotation — with a
 * legacy token, the namespace and the cluster CA (ca.crt), and records the account's uid. A token Secret
 * whose account is gone (or was recreated: another uid) is deleted, and so are an account's token Secrets
 * when the account is deleted.
 */
export class ServiceAccountTokenController {
  private readonly secrets: Informer;
  private readonly accounts: Informer;
  private readonly loop: ReconcileLoop;

  constructor(private readonly client: RestClient, private readonly signer: LegacyTokenSigner, private readonly opts: {
    informers: SharedInformers; rootCA?: string; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void;
  }) {
    this.secrets = opts.informers.for(SECRETS);
    this.accounts = opts.informers.for(SERVICEACCOUNTS);
    this.loop = new ReconcileLoop({ name: "serviceaccount-token", workers: 1, sync: (key) => this.sync(key), clock: opts.clock ?? realClock, metrics: opts.metrics, log: opts.log });
    const onSecret = (s: KubeObject) => {
      if ((s as Secret).type === SERVICE_ACCOUNT_TOKEN_SECRET) this.loop.enqueue(`${s.metadata.namespace}/${s.metadata.name}`);
    };
    this.secrets.on({ add: onSecret, update: (_o, n) => onSecret(n) });
    // An account that goes (or comes back) resyncs the token Secrets that name it.
    const onAccount = (sa: KubeObject) => {
      for (const s of this.secrets.lister().list(sa.metadata.namespace)) {
        if ((s as Secret).type === SERVICE_ACCOUNT_TOKEN_SECRET && s.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === sa.metadata.name) onSecret(s);
      }
    };
    this.accounts.on({ add: onAccount, delete: (gone) => onAccount(deletedObject(gone)) });
  }

  private async sync(key: string): Promise<SyncResult> {
    const slash = key.indexOf("/");
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const cached = this.secrets.lister().get(namespace, name) as Secret | undefined;
    if (!cached || cached.type !== SERVICE_ACCOUNT_TOKEN_SECRET || cached.metadata.deletionTimestamp) return;
    const accountName = cached.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] ?? "";
    // A cache miss is looked up live, as upstream does, before a Secret is deleted for want of its account.
    const account = this.accounts.lister().get(namespace, accountName) ?? await this.client.get(SERVICEACCOUNTS, namespace, accountName).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const plan = planTokenSecret(cached, account, this.opts.rootCA);
    if (plan.action === "none") return;
    if (plan.action === "delete") {
      this.opts.log?.({ level: "info", msg: "Service account does not exist, deleting token", secret: key, serviceAccount: accountName });
      await this.client.delete(SECRETS, namespace, name, { preconditions: { uid: cached.metadata.uid } }).catch(ignoreGone);
      return;
    }
    // Fill the live Secret, not the cached one: a write in between must not be lost.
    const live = await this.client.get<Secret>(SECRETS, namespace, name).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (!live || live.metadata.uid !== cached.metadata.uid) return;
    const livePlan = planTokenSecret(live, account, this.opts.rootCA);
    if (livePlan.action !== "fill") return;
    const token = livePlan.token ? await this.signer.sign(account!, name) : undefined;
    await this.client.update(SECRETS, filledSecret(live, account!, livePlan, this.opts.rootCA, token)).catch(ignoreGone);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.secrets.waitForSync(), this.accounts.waitForSync()]);
    await this.loop.run(signal);
  }
}
