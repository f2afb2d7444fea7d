/**
 * The client side of the examples' chat protocol, which `examples/chat.ts` and `examples/lambda-chat.ts` both serve:
 *
 * - connect to the WebSocket URL with `?name=alice`;
 * - send `{"action":"sendmessage","text":"hi"}`: every member of the room (the sender included) gets
 *   `{"type":"message","from":"alice","text":"hi"}`, and the sender then gets
 *   `{"type":"report","delivered":2,"gone":[{"connectionId","name"}],"failed":[{"connectionId","error"}]}`;
 * - anything the backend cannot do is answered `{"type":"error","message":"..."}`.
 *
 * `examples/chat.ts` also answers `{"action":"whoami"}` with `{"type":"whoami","connectionId","name"}`.
 */
import { Effect } from "effect"
import type { ChatClient } from "./clients.js"
import { connectClient } from "./clients.js"
import { ExampleError } from "./main.js"

/** A chat message, as every member receives it. */
export interface MessageFrame {
  readonly type: "message"
  readonly from: string
  readonly text: string
}

/** What a `sendmessage` did, as its sender receives it. */
export interface ReportFrame {
  readonly type: "report"
  readonly delivered: number
  readonly gone: ReadonlyArray<{ readonly connectionId: string; readonly name?: string | undefined }>
  readonly failed: ReadonlyArray<{ readonly connectionId: string; readonly error: string }>
}

const NOT_CHAT = "is the gateway running a chat handler (apigw-emulator --handler examples/chat.ts, or " +
  "examples/lambda-chat.ts)? the gateway's output says why"

const REFUSED = "the chat handlers take {\"action\":\"sendmessage\",\"text\":\"...\"}; the gateway's output (or " +
  "the Lambda's logs) says more"

const FAILED_POSTS = "the handler signs its PostToConnection calls with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY " +
  "and AWS_REGION from its own environment: start apigw-emulator with the keys of its --access-key-id and " +
  "--secret-access-key (on AWS, give the function's role execute-api:ManageConnections)"

const typeOf = (frame: unknown): unknown =>
  typeof frame === "object" && frame !== null ? (frame as { type?: unknown }).type : undefined

/** The next frame of a client; an error frame or a frame outside the protocol fails with what to check. */
const nextFrame = (client: ChatClient) =>
  Effect.flatMap(client.next, (frame) => {
    if (typeOf(frame) === "error") {
      const message = (frame as { message?: unknown }).message
      return Effect.fail(
        new ExampleError({ message: `the chat backend answered ${client.name}: ${String(message)}`, hint: REFUSED })
      )
    }
    if (typeOf(frame) === "message" || typeOf(frame) === "report" || typeOf(frame) === "whoami") {
      return Effect.succeed(frame as { readonly type: string })
    }
    return Effect.fail(
      new ExampleError({
        message: `${client.name} received ${JSON.stringify(frame)}, not a chat frame`,
        hint: NOT_CHAT
      })
    )
  })

/** What one `sendmessage` did: who received what, and the sender's report. */
export interface Said {
  readonly received: ReadonlyArray<{ readonly name: string; readonly message: MessageFrame }>
  readonly report: ReportFrame
}

/**
 * A client says something to the room; waits for the sender's report and for the message at every listener (the
 * sender among them if it is in the room). Fails, saying what to fix, when the backend could not post to someone.
 */
export const say = (from: ChatClient, text: string, listeners: ReadonlyArray<ChatClient>) =>
  Effect.gen(function*() {
    from.send({ action: "sendmessage", text })
    const copies = new Map<ChatClient, MessageFrame>()
    let report: ReportFrame | undefined
    // The sender's copy and its report may come in either order (on AWS).
    while (report === undefined) {
      const frame = yield* nextFrame(from)
      if (frame.type === "report") report = frame as ReportFrame
      else if (frame.type === "message") copies.set(from, frame as MessageFrame)
    }
    if (report.failed.length > 0) {
      const total = report.delivered + report.gone.length + report.failed.length
      return yield* new ExampleError({
        message: `the chat backend could not post ${from.name}'s message to ${report.failed.length} of ${total} ` +
          `connections: ${report.failed[0]!.error}`,
        hint: FAILED_POSTS
      })
    }
    for (const client of listeners) {
      if (copies.has(client)) continue
      const frame = yield* nextFrame(client)
      if (frame.type !== "message") {
        return yield* new ExampleError({
          message: `${client.name} received ${JSON.stringify(frame)} instead of ${from.name}'s message`,
          hint: NOT_CHAT
        })
      }
      copies.set(client, frame as MessageFrame)
    }
    const received = listeners.map((client) => ({ name: client.name, message: copies.get(client)! }))
    const said: Said = { received, report }
    return said
  })

/** The connection id of a client, from `examples/chat.ts`'s `whoami` route. */
export const whoami = (client: ChatClient) =>
  Effect.gen(function*() {
    client.send({ action: "whoami" })
    const frame = yield* nextFrame(client)
    if (frame.type !== "whoami") {
      return yield* new ExampleError({
        message: `${client.name} asked whoami and received ${JSON.stringify(frame)}`,
        hint: "the backend must be examples/chat.ts's handler (apigw-emulator --handler examples/chat.ts)"
      })
    }
    return (frame as unknown as { readonly connectionId: string }).connectionId
  })

/** A report as one line of narration. */
export const reportLine = (name: string, report: ReportFrame) => {
  const gone = report.gone.map((g) => `${g.name ?? "?"} (${g.connectionId})`).join(", ")
  return `report to ${name}: delivered ${report.delivered}, gone ${report.gone.length}${
    gone === "" ? "" : ` -> pruned ${gone}`
  }, failed ${report.failed.length}`
}

/** Prints what one `sendmessage` did. */
export const narrate = (from: ChatClient, text: string, said: Said) =>
  Effect.sync(() => {
    console.log(`   ${from.name.padEnd(6)} > ${text}`)
    for (const { message, name } of said.received) {
      console.log(`   ${"".padEnd(6)}   ${name} received "${message.text}" from ${message.from}`)
    }
    console.log(`   ${reportLine(from.name, said.report)}`)
  })

/**
 * A short chat against a gateway that runs one of the chat handlers: alice and bob connect, each says something,
 * both receive both messages. Prints what happens; fails, saying what to fix, if anything does not arrive.
 */
export const playShortChat = (url: string, handler: string) =>
  Effect.gen(function*() {
    console.log(`Playing a short chat against ${url} (the API runs ${handler}'s handler)`)
    const alice = yield* connectClient(`${url}?name=alice`, "alice")
    const bob = yield* connectClient(`${url}?name=bob`, "bob")
    const both = [alice, bob]
    let deliveries = 0
    for (const [from, text] of [[alice, "hello from alice"], [bob, "hi alice, bob here"]] as const) {
      const said = yield* say(from, text, both)
      yield* narrate(from, text, said)
      deliveries += said.report.delivered
    }
    console.log(`Done: 2 messages, ${deliveries} deliveries.`)
  }).pipe(Effect.scoped)
