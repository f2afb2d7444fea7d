/**
 * Routes: `$connect`, `$disconnect`, `$default`, custom routes, the Lambda proxy event shape, route responses,
 * Effect and Lambda-style handlers, failing and hanging handlers.
 */
import { Lambda } from "@effect-apigw/core"
import { Emulator, Event } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Either, Layer } from "effect"
import { connect, connectWithId, eventually, quietEmulator } from "./utils.js"

/** The management endpoint a handler builds its client with, as on Lambda. */
const endpointOf = (event: Event.WebSocketEvent) => Either.getOrThrow(Lambda.endpointFromEvent(event))

describe("routes", () => {
  it.scopedLive("$connect receives the Lambda proxy event with headers, query and requestContext", () =>
    Effect.gen(function*() {
      const events: Array<Event.WebSocketEvent> = []
      const emulator = yield* quietEmulator({
        stage: "dev",
        apiId: "abc123",
        routes: { $connect: (event) => void events.push(event) }
      })
      const { id } = yield* connectWithId(emulator, { headers: { "User-Agent": "ua/1", "X-Custom": "yes" } })
      yield* Effect.sync(() => undefined)
      assert.strictEqual(events.length, 1)
      const [event] = events
      const rc = event.requestContext
      assert.strictEqual(rc.routeKey, "$connect")
      assert.strictEqual(rc.eventType, "CONNECT")
      assert.strictEqual(rc.connectionId, id)
      assert.strictEqual(rc.stage, "dev")
      assert.strictEqual(rc.apiId, "abc123")
      assert.strictEqual(rc.domainName, `127.0.0.1:${emulator.port}`)
      assert.strictEqual(rc.identity.sourceIp, "127.0.0.1")
      assert.strictEqual(rc.identity.userAgent, "ua/1")
      assert.isString(rc.requestId)
      assert.notStrictEqual(rc.requestId, rc.extendedRequestId)
      assert.isNumber(rc.connectedAt)
      assert.match(rc.requestTime, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/)
      assert.strictEqual(event.headers?.["X-Custom"], "yes")
      assert.strictEqual(event.headers?.["Sec-WebSocket-Version"], "13")
      assert.deepStrictEqual(event.multiValueHeaders?.["User-Agent"], ["ua/1"])
      assert.isFalse(event.isBase64Encoded)
      assert.strictEqual(endpointOf(event), emulator.endpoint.replace("/local", "/dev"))
      const queried = yield* connect(`${emulator.url}?name=ann&tag=a&tag=b`)
      assert.isDefined(queried)
      assert.deepStrictEqual(events[1].queryStringParameters, { name: "ann", tag: "b" })
      assert.deepStrictEqual(events[1].multiValueQueryStringParameters, { name: ["ann"], tag: ["a", "b"] })
    }))

  it.scopedLive("$connect returning a non-2xx status, failing or throwing rejects the handshake", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({
        routes: {
          $connect: (event) => {
            const who = event.queryStringParameters?.who
            if (who === "throw") throw new Error("boom")
            if (who === "fail") return Effect.fail("nope")
            if (who === "promise") return Promise.reject(new Error("async boom"))
            return who === "ok" ? { statusCode: 200 } : { statusCode: 401, body: "Unauthorized" }
          }
        }
      })
      const refused = (who: string) =>
        Effect.flip(connect(`${emulator.url}?who=${who}`)).pipe(Effect.map((e) => e.message))
      assert.match(yield* refused("nobody"), /^handshake 401/)
      assert.match(yield* refused("throw"), /^handshake 500/)
      assert.match(yield* refused("fail"), /^handshake 500/)
      assert.match(yield* refused("promise"), /^handshake 500/)
      assert.strictEqual((yield* emulator.connections).length, 0)
      yield* connect(`${emulator.url}?who=ok`)
      assert.strictEqual((yield* emulator.connections).length, 1)
    }))

  it.scopedLive("messages go to custom routes by $request.body.action, else to $default, with the event body", () =>
    Effect.gen(function*() {
      const seen: Array<[string, string | undefined, string]> = []
      const record = (event: Event.WebSocketEvent) => {
        seen.push([event.requestContext.routeKey, event.body, event.requestContext.eventType])
        return { statusCode: 200, body: `route ${event.requestContext.routeKey}` }
      }
      const emulator = yield* quietEmulator({ routes: { join: record, $default: record } })
      const { socket } = yield* connectWithId(emulator)
      for (
        const message of [
          "{\"action\":\"join\",\"room\":1}",
          "{\"action\":\"leave\"}",
          "not json",
          "{\"action\":7}",
          "{\"nested\":{\"action\":\"join\"}}"
        ]
      ) {
        yield* socket.send(message)
        yield* socket.next
      }
      assert.deepStrictEqual(seen, [
        ["join", "{\"action\":\"join\",\"room\":1}", "MESSAGE"],
        ["$default", "{\"action\":\"leave\"}", "MESSAGE"],
        ["$default", "not json", "MESSAGE"],
        ["$default", "{\"action\":7}", "MESSAGE"],
        ["$default", "{\"nested\":{\"action\":\"join\"}}", "MESSAGE"]
      ])
    }))

  it.scopedLive("a custom route selection expression picks nested properties", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({
        routeSelectionExpression: "$request.body.meta.type",
        routes: {
          ping: () => ({ body: "pong" }),
          $default: () => ({ body: "default" })
        }
      })
      const { socket } = yield* connectWithId(emulator)
      yield* socket.send("{\"meta\":{\"type\":\"ping\"}}")
      assert.strictEqual((yield* socket.next).text, "pong")
      yield* socket.send("{\"action\":\"ping\"}")
      assert.strictEqual((yield* socket.next).text, "default")
    }))

  it.scopedLive("with no matching route and no $default the client gets a Forbidden message", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ routes: { join: () => ({ body: "joined" }) } })
      const { id, socket } = yield* connectWithId(emulator)
      yield* socket.send("{\"action\":\"other\"}")
      const answer = yield* socket.nextJson
      assert.strictEqual(answer.message, "Forbidden")
      assert.strictEqual(answer.connectionId, id)
      assert.isString(answer.requestId)
    }))

  it.scopedLive("binary frames arrive base64-encoded; a base64 route response goes out as a binary frame", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({
        routes: {
          $default: (event) => ({
            statusCode: 200,
            body: Buffer.from([...Event.bodyBytes(event)].reverse()).toString("base64"),
            isBase64Encoded: true
          })
        }
      })
      const { socket } = yield* connectWithId(emulator)
      yield* socket.send(Buffer.from([1, 2, 0xff]), { binary: true })
      const answer = yield* socket.next
      assert.isTrue(answer.isBinary)
      assert.deepStrictEqual([...answer.data], [0xff, 2, 1])
    }))

  it.scopedLive("Lambda-style async handlers and Effect handlers that need services from the context", () =>
    Effect.gen(function*() {
      class Greeting extends Context.Tag("test/Greeting")<Greeting, string>() {}
      const emulator = yield* Emulator.make({
        routes: {
          lambda: async (event, context) => {
            await new Promise((resolve) => setTimeout(resolve, 5))
            return {
              statusCode: 200,
              body: `lambda ${context.awsRequestId.length > 0} ${
                context.getRemainingTimeInMillis() > 0
              } ${event.requestContext.routeKey}`
            }
          },
          effect: () => Effect.map(Greeting, (greeting) => ({ statusCode: 200, body: greeting }))
        }
      }).pipe(Effect.provide(Layer.succeed(Greeting, "hello from the context")))
      const { socket } = yield* connectWithId(emulator)
      yield* socket.send("{\"action\":\"lambda\"}")
      assert.strictEqual((yield* socket.next).text, "lambda true true lambda")
      yield* socket.send("{\"action\":\"effect\"}")
      assert.strictEqual((yield* socket.next).text, "hello from the context")
    }))

  it.scopedLive("a handler that throws answers Internal server error, one that hangs times out; the socket stays", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({
        handlerTimeout: 200,
        routes: {
          throw: () => {
            throw new Error("boom")
          },
          die: () => Effect.die("defect"),
          hang: () => Effect.never,
          hangPromise: () => new Promise(() => {}),
          bad: () => 42 as any,
          echo: (event) => ({ body: event.body })
        }
      })
      const { socket } = yield* connectWithId(emulator)
      for (const action of ["throw", "die", "bad"]) {
        yield* socket.send(JSON.stringify({ action }))
        assert.strictEqual((yield* socket.nextJson).message, "Internal server error", action)
      }
      for (const action of ["hang", "hangPromise"]) {
        yield* socket.send(JSON.stringify({ action }))
        assert.strictEqual((yield* socket.nextJson).message, "Endpoint request timed out", action)
      }
      yield* socket.send("{\"action\":\"echo\"}")
      assert.strictEqual((yield* socket.next).text, "{\"action\":\"echo\"}")
    }))

  it.scopedLive("$disconnect runs with the close code and reason when the client closes", () =>
    Effect.gen(function*() {
      const events: Array<Event.WebSocketEvent> = []
      const emulator = yield* quietEmulator({ routes: { $disconnect: (event) => void events.push(event) } })
      const { id, socket } = yield* connectWithId(emulator)
      socket.ws.close(4001, "bye now")
      yield* eventually(Effect.sync(() => events.length === 1), "$disconnect")
      const rc = events[0].requestContext
      assert.strictEqual(rc.routeKey, "$disconnect")
      assert.strictEqual(rc.eventType, "DISCONNECT")
      assert.strictEqual(rc.connectionId, id)
      assert.strictEqual(rc.disconnectStatusCode, 4001)
      assert.strictEqual(rc.disconnectReason, "bye now")
    }))

  it.scopedLive("a catch-all handler serves every route, with the selected route key", () =>
    Effect.gen(function*() {
      const keys: Array<string> = []
      const emulator = yield* quietEmulator({
        handler: (event) => {
          keys.push(event.requestContext.routeKey)
          return { statusCode: 200, body: event.requestContext.routeKey }
        }
      })
      const { socket } = yield* connectWithId(emulator)
      yield* socket.send("{\"action\":\"anything\"}")
      assert.strictEqual((yield* socket.next).text, "anything")
      yield* socket.send("plain")
      assert.strictEqual((yield* socket.next).text, "$default")
      socket.ws.close()
      yield* eventually(Effect.sync(() => keys.includes("$disconnect")), "$disconnect")
      assert.deepStrictEqual(keys, ["$connect", "anything", "$default", "$disconnect"])
    }))

  it.effect("the endpoint of an event is https for AWS hosts and http for local ones", () =>
    Effect.sync(() => {
      const event = (domainName: string) => ({
        requestContext: { domainName, stage: "prod" } as Event.RequestContext,
        isBase64Encoded: false
      })
      assert.strictEqual(
        endpointOf(event("abc.execute-api.eu-west-1.amazonaws.com")),
        "https://abc.execute-api.eu-west-1.amazonaws.com/prod"
      )
      assert.strictEqual(endpointOf(event("127.0.0.1:3001")), "http://127.0.0.1:3001/prod")
      assert.strictEqual(endpointOf(event("localhost")), "http://localhost/prod")
    }))
})
