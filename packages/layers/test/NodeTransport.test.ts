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
