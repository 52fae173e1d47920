/**
 * Boolean query parameters as upstream's parameter codec reads them (runtime's
 * Convert_Slice_string_To_bool, used for ListOptions, DeleteOptions, PodLogOptions … on the API server and
 * the kubelet): absent is false; "0" or "false" in any letter case is false; anything else — "1", "t",
 * "True", "TRUE", even "" — is true. So Python's `watch=True` is a watch, as against kube-apiserver.
 */
export function queryBool(params: URLSearchParams, name: string): boolean {
  const value = params.get(name);
  if (value === null) return false;
  return value !== "0" && value.toLowerCase() !== "false";
}

/** A pointer-typed boolean parameter (`sendInitialEvents`): undefined when absent, else as queryBool. */
export function queryOptionalBool(params: URLSearchParams, name: string): boolean | undefined {
  return params.has(name) ? queryBool(params, name) : undefined;
}
