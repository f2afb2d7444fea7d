import { SignatureV4 } from "@smithy/signature-v4"
import { createHash, createHmac } from "node:crypto"
import { request } from "node:http"

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

const url = new URL(process.env.APIGW_ENDPOINT)
const body = Buffer.from("hello")
const path = `${url.pathname}/@connections/${encodeURIComponent("L0SM9cOFvHcCIhw=")}`
const signer = new SignatureV4({
  service: "execute-api",
  region: "us-east-1",
  credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
  sha256: Sha256
})
const signed = await signer.sign({
  method: "POST",
  protocol: url.protocol,
  hostname: url.hostname,
  port: Number(url.port),
  path,
  headers: { host: url.host, "content-type": "application/octet-stream", "content-length": String(body.length) },
  body
})
await new Promise((resolve, reject) => {
  const req = request(
    { hostname: url.hostname, port: url.port, method: "POST", path, headers: signed.headers },
    (res) => {
      res.resume()
      res.on("end", () => res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)))
    }
  )
  req.on("error", reject)
  req.end(body)
})
console.log("done")
process.exit(0)
