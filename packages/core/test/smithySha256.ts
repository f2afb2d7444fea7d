/**
 * The SHA-256 hash and HMAC that `@smithy/signature-v4` takes as its `sha256` option, on `node:crypto`: how the
 * tests run smithy's signer as an independent oracle.
 */
import { createHash, createHmac } from "node:crypto"

export class Sha256 {
  private readonly hash
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ?
      createHash("sha256") :
      createHmac(
        "sha256",
        typeof secret === "string" ?
          secret :
          ArrayBuffer.isView(secret) ?
          new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) :
          new Uint8Array(secret)
      )
  }
  update(data: Uint8Array) {
    this.hash.update(data)
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()))
  }
}
