/**
 * Preloaded after tsx (`--import tsx --import case-tmp.mjs`): points the case's TMPDIR at its own folder only once
 * tsx has fixed where its compile cache lives, so every case shares that cache (a cold one costs ~0.5 s a run) while
 * whatever gcam puts in os.tmpdir() stays in the case folder.
 */
import process from 'node:process';

if (process.env.GCAM_FUZZ_TMPDIR) process.env.TMPDIR = process.env.GCAM_FUZZ_TMPDIR;
