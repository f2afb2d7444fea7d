import { request } from "node:http"

const url = new URL(process.env.APIGW_ENDPOINT)
const body = Buffer.from("hello")
await new Promise((resolve, reject) => {
  const req = request({
    hostname: url.hostname,
    port: url.port,
    method: "POST",
    path: `${url.pathname}/@connections/${encodeURIComponent("L0SM9cOFvHcCIhw=")}`,
    headers: { "content-type": "application/octet-stream", "content-length": body.length }
  }, (res) => {
    res.resume()
    res.on("end", () => res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)))
  })
  req.on("error", reject)
  req.end(body)
})
console.log("done")
process.exit(0)
