// The stand-in for the API Gateway management endpoint: a keep-alive node:http server, run in its own process by
// run.mjs. It answers `POST /{stage}/@connections/{id}` with 200 and an empty body, as the real gateway does, and
// anything else with 404 so that a misconfigured client fails loudly instead of looking fast.
// Prints `{"port":N}` on stdout once listening; `GET /__stats` returns the counts. Standalone: `node bench/server.mjs`.
import { createServer } from "node:http"

const stage = process.env.BENCH_STAGE ?? "prod"
const prefix = `/${stage}/@connections/`
let requests = 0
let bytes = 0
let rejected = 0

const server = createServer((req, res) => {
  if (req.url === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ requests, bytes, rejected }))
    return
  }
  let length = 0
  req.on("data", (chunk) => length += chunk.length)
  req.on("end", () => {
    if (req.method === "POST" && req.url.startsWith(prefix) && req.url.length > prefix.length) {
      requests++
      bytes += length
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": "0",
        "x-amzn-requestid": `req-${requests}`
      })
      res.end()
    } else {
      rejected++
      const body = JSON.stringify({ message: `no route for ${req.method} ${req.url}` })
      res.writeHead(404, {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "x-amzn-errortype": "NotFoundException"
      })
      res.end(body)
    }
  })
})
server.keepAliveTimeout = 120_000
server.headersTimeout = 125_000
server.maxHeadersCount = 100
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n")
})
// Started by run.mjs (BENCH_PARENT=1): stop with the parent, when it closes our stdin or dies.
if (process.env.BENCH_PARENT === "1") {
  process.stdin.on("end", () => process.exit(0))
  process.stdin.on("error", () => process.exit(0))
  process.stdin.resume()
}
