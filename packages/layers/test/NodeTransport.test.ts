import * as HttpTransport from "@effect-apigw/core/HttpTransport"
import { NodeTransport } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Net from "node:net"
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

describe("NodeTransport, response headers", () => {
  it("are an object without a prototype: a name the server chose is data, a name it did not send is absent", async () => {
    // a raw server, so that the header names are exactly as written
    const server = Net.createServer((socket) =>
      socket.once("data", () =>
        socket.end(
          "HTTP/1.1 200 OK\r\n__proto__: p\r\nconstructor: c\r\ntoString: t\r\nx-amzn-requestid: r\r\n" +
            "Content-Length: 0\r\n\r\n"
        ))
    )
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const agents = { http: new Http.Agent(), https: new Https.Agent() }
    try {
      const port = (server.address() as AddressInfo).port
      const result = await new Promise<HttpTransport.Result>((resolve) =>
        NodeTransport.make(agents).send(request(port, "/"), resolve)
      )
      assert.strictEqual(result._tag, "Response")
      if (result._tag !== "Response") return
      assert.isNull(Object.getPrototypeOf(result.headers))
      assert.strictEqual(result.headers["constructor"], "c")
      assert.strictEqual(result.headers["tostring"], "t")
      assert.strictEqual(result.headers["x-amzn-requestid"], "r")
      // node:http drops a `__proto__` header; it must not show up as Object.prototype either
      assert.isUndefined(result.headers["__proto__"])
      for (const missing of ["hasOwnProperty", "valueOf", "toString", "isPrototypeOf"]) {
        assert.isUndefined(result.headers[missing], missing)
      }
    } finally {
      agents.http.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe("NodeTransport.layer after its scope closed", () => {
  it.live("a request still ends, with an answer, within its timeout", () =>
    Effect.gen(function*() {
      const server = Http.createServer((req, res) => {
        req.resume()
        req.on("end", () => res.end())
      })
      yield* Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)))
      const port = (server.address() as AddressInfo).port
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(NodeTransport.layer, scope)
      const transport = Context.get(context, HttpTransport.HttpTransport)
      yield* Scope.close(scope, Exit.void)
      const result = yield* Effect.async<HttpTransport.Result>((resume) => {
        transport.send({ ...request(port, "/late"), timeoutMillis: 1000 }, (answer) => resume(Effect.succeed(answer)))
      }).pipe(Effect.timeoutOption("2 seconds"))
      server.closeAllConnections()
      yield* Effect.promise(() => new Promise((resolve) => server.close(resolve)))
      assert.isTrue(Option.isSome(result), "the request ended")
    }))
})
