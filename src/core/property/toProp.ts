/** Writes a normal-form query as .prop text (for VNN-LIB -> .prop conversion): inputs X[..], outputs Y[..]. */
import type { LinearRow, Polytope, Query } from '../query/normalForm';

const num = (v: number): string => String(v);

function linear(row: LinearRow, vector: string): string {
  const terms = [...row.coeffs.keys()].filter((i) => row.coeffs[i] !== 0).map((i, k) => {
    const c = row.coeffs[i];
    const sign = c < 0 ? (k === 0 ? '-' : ' - ') : k === 0 ? '' : ' + ';
    return `${sign}${Math.abs(c) === 1 ? '' : `${num(Math.abs(c))} * `}${vector}[${i}]`;
  });
  return `${terms.join('')} <= ${num(row.rhs)}`;
}

function polytope(p: Polytope): string {
  const parts: string[] = [];
  p.lower.forEach((lo, i) => {
    const hi = p.upper[i];
    if (lo > -Infinity && hi < Infinity) parts.push(lo === hi ? `X[${i}] == ${num(lo)}` : `${num(lo)} <= X[${i}] <= ${num(hi)}`);
    else if (lo > -Infinity) parts.push(`X[${i}] >= ${num(lo)}`);
    else if (hi < Infinity) parts.push(`X[${i}] <= ${num(hi)}`);
  });
  return [...parts, ...p.rows.map((r) => linear(r, 'X'))].join(', ');
}

export function queryToProp(query: Query, source: string): string {
  const n = query.region[0].lower.length;
  const m = query.violation[0]?.[0]?.coeffs.length ?? 1;
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(query.name) ? query.name : `p_${query.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const region = query.region.length === 1 ? polytope(query.region[0]) : query.region.map((p) => `(${polytope(p)})`).join('\n        or ');
  const violation = query.violation.map((conj) => `(${conj.map((r) => linear(r, 'Y')).join(' and ')})`).join('\n             or ');
  return `// Converted from ${source} by netmend convert. Values are in the network's own (normalised) units:
// add names, domains and normalisation to write them in physical units.

input X[0..${n - 1}]
output Y[0..${m - 1}]

property ${name} {
  where ${region}
  require not (${violation})
}
`;
}
