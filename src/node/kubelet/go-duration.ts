/**
 * Go's time.Duration printing of a duration truncated to milliseconds, as upstream's kubelet prints pull
 * times (`pullDuration.Truncate(time.Millisecond)`): "0s", "313ms", "1.5s", "7.264s", "1m2.03s".
 */
export function goDurationMs(ms: number): string {
  const t = Math.max(0, Math.floor(ms));
  if (t === 0) return "0s";
  if (t < 1000) return `${t}ms`;
  const hours = Math.floor(t / 3_600_000);
  const minutes = Math.floor((t % 3_600_000) / 60_000);
  const seconds = ((t % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, "");
  if (hours) return `${hours}h${minutes}m${seconds}s`;
  return minutes ? `${minutes}m${seconds}s` : `${seconds}s`;
}
