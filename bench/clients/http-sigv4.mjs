// The signed floor: node:http plus @smithy/signature-v4 (one signer, node:crypto SHA-256), as the SDK signs.
import { SignatureV4 } from "@smithy/signature-v4"
import { createHash, createHmac } from "node:crypto"
import { Agent } from "node:http"
import { send } from "./http-floor.mjs"

class Sha256 {
  constructor(secret) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", secret)
  }
  update(data) {
    this.hash.update(data)
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()))
  }
}

export const make = async ({ endpoint, region, accessKeyId, secretAccessKey }) => {
  const url = new URL(endpoint)
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 })
  const base = `${url.pathname.replace(/\/$/, "")}/@connections/`
  const signer = new SignatureV4({
    service: "execute-api",
    region,
    credentials: { accessKeyId, secretAccessKey },
    sha256: Sha256
  })
  return {
    post: async (connectionId, data) => {
      const body = Buffer.from(data)
      const path = base + encodeURIComponent(connectionId)
      const signed = await signer.sign({
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === "" ? undefined : Number(url.port),
        path,
        headers: { host: url.host, "content-type": "application/octet-stream", "content-length": String(body.length) },
        body
      })
      return send(agent, url, path, signed.headers, body)
    },
    close: async () => agent.destroy()
  }
}
