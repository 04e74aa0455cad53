/**
 * onnxruntime-node (1.29 and later) starts Microsoft's telemetry on Linux by default: a device id and an event
 * database under ~/.cache/Microsoft, a `mat-debug-<pid>.log` in TMPDIR, uploads when a network is there. gcam sends
 * nothing anywhere, so it turns that off before onnxruntime-node loads; this module has no exports and must be
 * imported before 'onnxruntime-node' (ES modules are evaluated in import order). A value the user set, `0` included
 * (their opt-in), is left alone; an empty one counts as unset.
 */
if (!process.env.ORT_DISABLE_TELEMETRY) process.env.ORT_DISABLE_TELEMETRY = '1';
