/**
 * The V8 flags `tug` runs with: bin/tug.js's shebang line names them (checked by a test); the end-to-end
 * tests and the benchmarks start `tug up` with them too, and the benchmarks themselves run with them,
 * since they host one `tug up` in process.
 *
 * A 32 MiB semi-space, twice V8's default: `tug up` keeps hundreds of requests in flight, and each object
 * it writes lives on in the informer caches, so a default-sized young generation is scavenged twice as
 * often and copies the same live objects each time. Binding pods in `tug up`: ~half the scavenges and
 * ~30 % less GC time a pod (89 against 124 µs), ~15 % less CPU a pod in all (benchmark, interleaved runs).
 * The price is memory once the young generation has grown: ~20 MiB more RSS for `tug up` running 50
 * process pods (183 against 165 MiB; the PM2 benchmark's goal allows ~197).
 */
export const TUG_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];
