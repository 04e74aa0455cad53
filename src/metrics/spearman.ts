/**
 * Spearman's rank correlation (the sanity check's similarity of two maps, Adebayo et al. 2018, sec. 3): Pearson's
 * correlation of the values' ranks, tied values sharing their mean rank. NaN when either map is constant.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const m = (ra.length + 1) / 2;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < ra.length; i++) {
    ab += (ra[i] - m) * (rb[i] - m);
    aa += (ra[i] - m) ** 2;
    bb += (rb[i] - m) ** 2;
  }
  return aa === 0 || bb === 0 ? NaN : ab / Math.sqrt(aa * bb);
}

/** 1-based ranks, ties averaged. */
function ranks(v: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i] - v[j]);
  const r = new Float64Array(v.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && v[order[e + 1]] === v[order[s]]) e++;
    for (let k = s; k <= e; k++) r[order[k]] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return r;
}
