import * as path from 'node:path';

/** The shared data folder beside the project (`../shared/data`), overridable for unusual checkouts. */
export const SHARED_DATA = process.env.NETMEND_SHARED_DATA ?? path.resolve(__dirname, '..', '..', 'shared', 'data');
export const dataPath = (...parts: string[]): string => path.join(SHARED_DATA, ...parts);
export const acasNet = (i: number, j: number): string => dataPath('acasxu', `ACASXU_run2a_${i}_${j}_batch_2000.onnx`);
