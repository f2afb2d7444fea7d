/**
 * The unit test of `examples/room.ts`: the room service runs against `TestApi`, the in-memory fake of the
 * `ApiGatewayManagementApi` client. No HTTP, no emulator, no AWS.
 */
import { TestApi } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, TestClock } from "effect"
import * as Room from "../examples/room.js"

// A fresh fake and a fresh store for each test: `it.effect` builds the layer per test.
const TestRoom = Room.layer.pipe(Layer.provideMerge(Layer.merge(TestApi.layer(), Room.layerMemoryStore)))

const json = (texts: ReadonlyArray<string>) => texts.map((text) => JSON.parse(text))

describe("examples/room", () => {
  it.effect("join welcomes the newcomer and tells the others", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const room = yield* Room.Room
      const alice = yield* fake.addConnection()
      const bob = yield* fake.addConnection()

      yield* room.join("lobby", alice)
      const joined = yield* room.join("lobby", bob)

      assert.strictEqual(joined.delivered, 2)
      assert.deepStrictEqual(json(yield* fake.receivedText(alice)), [
        { type: "welcome", room: "lobby", members: 1 },
        { type: "joined", room: "lobby", connectionId: bob }
      ])
      assert.deepStrictEqual(json(yield* fake.receivedText(bob)), [{ type: "welcome", room: "lobby", members: 2 }])
      assert.deepStrictEqual(yield* room.members("lobby"), [alice, bob].sort())
    }).pipe(Effect.provide(TestRoom)))

  it.effect("say reaches every member and prunes the ones that are gone", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const room = yield* Room.Room
      const ids = [yield* fake.addConnection(), yield* fake.addConnection(), yield* fake.addConnection()]
      for (const id of ids) yield* room.join("lobby", id)
      yield* room.join("other", ids[2])

      yield* fake.markGone(ids[2])
      const delivery = yield* room.say("lobby", ids[0], "hello")

      assert.strictEqual(delivery.delivered, 2)
      assert.deepStrictEqual(delivery.pruned, [ids[2]])
      assert.deepStrictEqual(delivery.failed, [])
      assert.deepStrictEqual(yield* room.members("lobby"), [ids[0], ids[1]].sort())
      assert.deepStrictEqual(yield* room.members("other"), [], "a gone connection leaves every room")
      for (const id of [ids[0], ids[1]]) {
        const last = json(yield* fake.receivedText(id)).at(-1)
        assert.deepStrictEqual(last, { type: "message", room: "lobby", from: ids[0], text: "hello" })
      }
    }).pipe(Effect.provide(TestRoom)))

  it.effect("leave removes the member and tells the rest", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const room = yield* Room.Room
      const [a, b] = [yield* fake.addConnection(), yield* fake.addConnection()]
      yield* room.join("lobby", a)
      yield* room.join("lobby", b)
      const before = (yield* fake.receivedText(b)).length
      yield* room.leave("lobby", a)
      assert.deepStrictEqual(yield* room.members("lobby"), [b])
      assert.deepStrictEqual(json((yield* fake.receivedText(b)).slice(before)), [
        { type: "left", room: "lobby", connectionId: a }
      ])
    }).pipe(Effect.provide(TestRoom)))

  it.effect("a forbidden member is reported failed and stays in the room", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const room = yield* Room.Room
      const [a, b] = [yield* fake.addConnection(), yield* fake.addConnection()]
      yield* room.join("lobby", a)
      yield* room.join("lobby", b)
      yield* fake.failConnection(b, "forbidden")

      const delivery = yield* room.broadcast("lobby", { type: "notice" })

      assert.strictEqual(delivery.delivered, 1)
      assert.deepStrictEqual(delivery.failed, [{ connectionId: b, reason: "ForbiddenException" }])
      assert.deepStrictEqual(yield* room.members("lobby"), [a, b].sort())
    }).pipe(Effect.provide(TestRoom)))

  it.effect("throttling slows a message down but every member still gets it", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const room = yield* Room.Room
      const ids: Array<string> = []
      for (let i = 0; i < 40; i++) {
        const id = yield* fake.addConnection()
        ids.push(id)
        yield* room.join("big", id)
      }
      yield* fake.reset.pipe(Effect.zipRight(Effect.forEach(ids, (id) => fake.addConnection({ ConnectionId: id }))))
      yield* fake.failNext("throttling", { times: 5 })

      // The broadcast backs off on the Clock: run it in a fiber and move the TestClock along.
      const fiber = yield* Effect.fork(room.say("big", ids[0], "hi all"))
      while (Option.isNone(yield* Fiber.poll(fiber))) yield* TestClock.adjust("1 second")
      const delivery = yield* Fiber.join(fiber)

      assert.strictEqual(delivery.delivered, 40)
      assert.deepStrictEqual(delivery.failed, [])
      for (const id of ids) assert.deepStrictEqual(json(yield* fake.receivedText(id)).length, 1)
      assert.strictEqual((yield* fake.calls).length, 45)
    }).pipe(Effect.provide(TestRoom)))

  it.effect("a message too large for the API fails before anything is sent", () =>
    Effect.gen(function*() {
      const fake = yield* TestApi.TestApi
      const room = yield* Room.Room
      const a = yield* fake.addConnection()
      yield* room.join("lobby", a)
      const callsBefore = (yield* fake.calls).length
      const error = yield* Effect.flip(room.say("lobby", a, "x".repeat(200_000)))
      assert.strictEqual(error._tag, "PayloadTooLargeException")
      assert.strictEqual((yield* fake.calls).length, callsBefore)
    }).pipe(Effect.provide(TestRoom)))
})
