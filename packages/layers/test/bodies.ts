/** Test bodies that show any lost, duplicated or reordered byte. */

/** Bytes `from`, `from + 1`, ... (mod 256): any lost, duplicated or reordered byte shows. */
export const bytes = (length: number, from = 0): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (from + i) & 0xff
  return out
}

/** A body whose every 4 bytes are their own index: a misplaced chunk anywhere in megabytes shows. */
export const indexed = (length: number): Buffer => {
  const out = Buffer.alloc(length)
  for (let i = 0; i + 4 <= length; i += 4) out.writeUInt32BE(i / 4, i)
  return out
}
