/**
 * Image references as containerd names them (the docker reference grammar's normalization): `nginx` is
 * `docker.io/library/nginx:latest`, `me/app:1` is `docker.io/me/app:1`, a first component with a dot, a
 * colon or `localhost` is a registry host, and a reference without tag or digest means `:latest`.
 */
export function normalizeImageRef(ref: string): string {
  let name = ref;
  let suffix = "";
  const at = name.indexOf("@");
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) {
    suffix = name.slice(colon) + suffix;
    name = name.slice(0, colon);
  } else if (!suffix) suffix = ":latest";
  const first = name.split("/")[0]!;
  const hasHost = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasHost) name = name.includes("/") ? `docker.io/${name}` : `docker.io/library/${name}`;
  else if (first === "docker.io" && name.split("/").length === 2) name = `docker.io/library/${name.slice("docker.io/".length)}`;
  return name + suffix;
}
