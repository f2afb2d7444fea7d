/**
 * `requestContext.domainName` is the emulator's own address, whatever `Host` a WebSocket client sends: a handler that
 * builds its management client from the event (as Lambda handlers do) must reach the emulator, never a host of the
 * client's choosing, to which it would send signed requests carrying its session token.
 */
import { ApiGatewayManagementApi, Lambda } from "@effect-apigw/core"
import { Event } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import * as NodeHttp from "node:http"
import type { AddressInfo } from "node:net"
import { connect, connectWithId, CREDENTIALS, eventually, quietEmulator } from "./utils.js"

/** The management endpoint a handler builds its client with, as on Lambda. */
const endpointOf = (event: Event.WebSocketEvent) => Either.getOrThrow(Lambda.endpointFromEvent(event))

/** An HTTP server that records every request it gets (the host a hostile client would point handlers at). */
const recorder = Effect.acquireRelease(
  Effect.async<{ server: NodeHttp.Server; seen: Array<string>; port: number }>((resume) => {
    const seen: Array<string> = []
    const server = NodeHttp.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} token=${req.headers["x-amz-security-token"] ?? "-"}`)
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
    server.listen(
      0,
      "127.0.0.1",
      () => resume(Effect.succeed({ server, seen, port: (server.address() as AddressInfo).port }))
    )
  }),
  ({ server }) =>
    Effect.sync(() => server.closeAllConnections()).pipe(Effect.andThen(Effect.sync(() => server.close())))
)

describe("requestContext.domainName", () => {
  it.scopedLive("is the emulator's address on every event, not the client's Host header", () =>
    Effect.gen(function*() {
      const attacker = yield* recorder
      const seen: Array<[string, string, string]> = []
      const record = (event: Event.WebSocketEvent) =>
        void seen.push([
          event.requestContext.routeKey,
          event.requestContext.domainName,
          endpointOf(event)
        ])
      const session = { ...CREDENTIALS, sessionToken: "handler-session-token" }
      const emulator = yield* quietEmulator({
        routes: {
          $connect: record,
          $disconnect: record,
          // A handler as on Lambda: it answers through the management endpoint the event gives.
          $default: (event) => {
            record(event)
            return ApiGatewayManagementApi.postToConnection({
              ConnectionId: event.requestContext.connectionId,
              Data: "answered through the management API"
            }).pipe(
              Effect.provide(
                ApiGatewayManagementApi.layer({ endpoint: endpointOf(event), region: "us-east-1" }).pipe(
                  Layer.provide([Credentials.layerStatic(session), Http.layer])
                )
              ),
              Effect.as({ statusCode: 200 }),
              Effect.catchAll(() => Effect.succeed({ statusCode: 200, body: "the management call failed" }))
            )
          }
        }
      })
      const own = `127.0.0.1:${emulator.port}`
      for (const host of [`127.0.0.1:${attacker.port}`, "attacker.example", "[::1]:1", own]) {
        const socket = yield* connect(emulator.url, { headers: { Host: host } })
        socket.ws.send("hello")
        const answer = yield* Effect.either(socket.next)
        assert.deepStrictEqual(attacker.seen, [], `no request may reach the client's Host (${host})`)
        assert.strictEqual(
          answer._tag === "Right" ? answer.right.text : answer.left.message,
          "answered through the management API",
          host
        )
        socket.ws.close()
        yield* socket.closed
      }
      yield* eventually(
        Effect.sync(() => seen.filter(([route]) => route === "$disconnect").length === 4),
        "$disconnect"
      )
      assert.deepStrictEqual(attacker.seen, [], "no request reached the client's host")
      for (const [route, domainName, endpoint] of seen) {
        assert.strictEqual(domainName, own, route)
        assert.strictEqual(endpoint, emulator.endpoint, route)
      }
      // And the emulator's own address when it is reached by another name.
      const { id } = yield* connectWithId(emulator, { headers: { Host: `localhost:${emulator.port}` } })
      assert.include(seen.at(-1)!, own, id)
    }))
})
