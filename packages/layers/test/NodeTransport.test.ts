import type * as HttpTransport from "@effect-apigw/core/HttpTransport"
import { NodeTransport } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import * as Http from "node:http"
import * as Https from "node:https"
import type { AddressInfo } from "node:net"

const withServer = async (
  f: (port: number, received: Array<string>, transport: HttpTransport.HttpTransport) => Promise<void>
) => {
  const received: Array<string> = []
  const server = Http.createServer((req, res) => {
    received.push(req.url ?? "")
    req.resume()
    req.on("end", () => res.end())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const agents = { http: new Http.Agent({ keepAlive: true }), https: new Https.Agent({ keepAlive: true }) }
  try {
    await f((server.address() as AddressInfo).port, received, NodeTransport.make(agents))
  } finally {
    agents.http.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

const request = (port: number, path: string): HttpTransport.Request => ({
  method: "POST",
  protocol: "http:",
  hostname: "127.0.0.1",
  port,
  path,
  headers: { "content-type": "application/octet-stream", "content-length": "2" },
  body: new Uint8Array([104, 105]),
  timeoutMillis: 5000,
  maxResponseBytes: 1024
})

describe("NodeTransport", () => {
  it("writes the requests of one turn together, and one aborted before then is never sent", () =>
    withServer(async (port, received, transport) => {
      const results: Array<[string, HttpTransport.Result["_tag"]]> = []
      const done = Promise.all(
        ["/a", "/b", "/c"].map((path) =>
          new Promise<void>((resolve) =>
            transport.send(request(port, path), (result) => {
              results.push([path, result._tag])
              resolve()
            })
          )
        )
      )
      let abortedCalledBack = false
      const abort = transport.send(request(port, "/aborted"), () => {
        abortedCalledBack = true
      })
      abort()
      await done
      // Give a stray request time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 50))
      assert.deepStrictEqual(received.sort(), ["/a", "/b", "/c"])
      assert.deepStrictEqual(results.map(([, tag]) => tag), ["Response", "Response", "Response"])
      assert.isFalse(abortedCalledBack)
    }))
})

describe("NodeTransport, refused headers", () => {
  it("a header node:http refuses is an Error answer, alone or in a batch, and the others still go", () =>
    withServer(async (port, received, transport) => {
      const bad = { ...request(port, "/bad"), headers: { ...request(port, "/bad").headers, "x-token": "a\nb" } }
      const answer = (req: HttpTransport.Request) =>
        new Promise<HttpTransport.Result>((resolve) => transport.send(req, resolve))
      // Alone in its batch.
      const alone = await answer(bad)
      assert.strictEqual(alone._tag, "Error")
      assert.strictEqual(alone._tag === "Error" && alone.code, "ERR_INVALID_CHAR")
      // In a batch with another request.
      const [ok, batched] = await Promise.all([answer(request(port, "/ok")), answer(bad)])
      assert.strictEqual(ok._tag, "Response")
      assert.strictEqual(batched._tag, "Error")
      assert.deepStrictEqual(received, ["/ok"])
    }))
})
