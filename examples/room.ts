/**
 * A tiny "room" service written against the `ApiGatewayManagementApi` client: connections join and leave rooms, and
 * a message to a room is broadcast to every member, dropping the members whose connection is gone.
 *
 * It is the code a WebSocket backend's route handlers call; its unit test (`test/examples-room.test.ts`) runs it
 * against `TestApi`, the in-memory fake of the client, with no HTTP at all. In production the same `Room.layer` is
 * given the real client (`ApiGatewayManagementApi.layer` or `Lambda.layerFromEvent`) and, typically, a store backed
 * by a database instead of `layerMemoryStore`.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Context, Effect, HashMap, HashSet, Layer, Option, Ref } from "effect"

/** Who is in which room. */
export interface RoomStoreService {
  readonly add: (room: string, connectionId: string) => Effect.Effect<void>
  readonly remove: (room: string, connectionId: string) => Effect.Effect<void>
  /** Removes a connection from every room (it is gone). */
  readonly removeEverywhere: (connectionId: string) => Effect.Effect<void>
  readonly members: (room: string) => Effect.Effect<ReadonlyArray<string>>
}

/** The room store's tag. */
export class RoomStore extends Context.Tag("examples/RoomStore")<RoomStore, RoomStoreService>() {}

/** A room store in memory (one per layer build). */
export const layerMemoryStore: Layer.Layer<RoomStore> = Layer.effect(
  RoomStore,
  Effect.map(Ref.make(HashMap.empty<string, HashSet.HashSet<string>>()), (rooms) => ({
    add: (room, id) =>
      Ref.update(
        rooms,
        (all) =>
          HashMap.set(all, room, HashSet.add(Option.getOrElse(HashMap.get(all, room), () => HashSet.empty()), id))
      ),
    remove: (room, id) => Ref.update(rooms, (all) => HashMap.modify(all, room, HashSet.remove(id))),
    removeEverywhere: (id) => Ref.update(rooms, HashMap.map(HashSet.remove(id))),
    members: (room) =>
      Effect.map(
        Ref.get(rooms),
        (all) => Option.match(HashMap.get(all, room), { onNone: () => [], onSome: (ids) => [...ids].sort() })
      )
  }))
)

/** What a message to a room did. */
export interface Delivery {
  readonly delivered: number
  /** The members that were gone, now removed from every room. */
  readonly pruned: ReadonlyArray<string>
  /** The members that could not be reached for another reason; they stay in the room. */
  readonly failed: ReadonlyArray<{ readonly connectionId: string; readonly reason: string }>
}

/** The errors that stop a whole delivery (bad or oversize message, an endpoint that keeps failing). */
export type RoomError = ApiGatewayManagementApi.BroadcastError

/** The room service. */
export interface RoomService {
  /** Adds the connection to the room, welcomes it, and tells the others. */
  readonly join: (room: string, connectionId: string) => Effect.Effect<Delivery, RoomError>
  /** Removes the connection from the room and tells the others. */
  readonly leave: (room: string, connectionId: string) => Effect.Effect<Delivery, RoomError>
  /** Sends a chat message from one member to everyone in the room (the sender included). */
  readonly say: (room: string, from: string, text: string) => Effect.Effect<Delivery, RoomError>
  /** Sends any JSON value to everyone in the room. */
  readonly broadcast: (room: string, message: unknown) => Effect.Effect<Delivery, RoomError>
  readonly members: (room: string) => Effect.Effect<ReadonlyArray<string>>
}

/** The room service's tag. */
export class Room extends Context.Tag("examples/Room")<Room, RoomService>() {}

/** Members posted to at once during a broadcast. */
const CONCURRENCY = 16

/** Builds the room service on the client and the store from the context. */
export const make: Effect.Effect<RoomService, never, ApiGatewayManagementApi.ApiGatewayManagementApi | RoomStore> =
  Effect.gen(function*() {
    const api = yield* ApiGatewayManagementApi.ApiGatewayManagementApi
    const store = yield* RoomStore

    const send = (ids: ReadonlyArray<string>, message: unknown): Effect.Effect<Delivery, RoomError> =>
      api.broadcast({
        ConnectionIds: ids,
        Data: JSON.stringify(message),
        concurrency: CONCURRENCY,
        // Pruned as it happens, so a huge room never keeps dead members around for the next message.
        onGone: store.removeEverywhere
      }).pipe(Effect.map((result) => ({
        delivered: result.delivered.length,
        pruned: result.gone,
        failed: result.failed.map(({ ConnectionId, error }) => ({ connectionId: ConnectionId, reason: error._tag }))
      })))

    const broadcast = (room: string, message: unknown) =>
      Effect.flatMap(store.members(room), (ids) => send(ids, message))

    return {
      join: (room, connectionId) =>
        Effect.gen(function*() {
          const others = yield* store.members(room)
          yield* store.add(room, connectionId)
          const welcome = yield* send([connectionId], { type: "welcome", room, members: others.length + 1 })
          const told = yield* send(others.filter((id) => id !== connectionId), { type: "joined", room, connectionId })
          return {
            delivered: welcome.delivered + told.delivered,
            pruned: [...welcome.pruned, ...told.pruned],
            failed: [...welcome.failed, ...told.failed]
          }
        }),
      leave: (room, connectionId) =>
        Effect.zipRight(store.remove(room, connectionId), broadcast(room, { type: "left", room, connectionId })),
      say: (room, from, text) => broadcast(room, { type: "message", room, from, text }),
      broadcast,
      members: store.members
    }
  })

/** The room service; needs the client and a store. */
export const layer: Layer.Layer<Room, never, ApiGatewayManagementApi.ApiGatewayManagementApi | RoomStore> = Layer
  .effect(Room, make)
