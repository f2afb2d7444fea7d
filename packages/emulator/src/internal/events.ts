/**
 * The events of a Lambda proxy integration: `$connect` with the handshake's headers and query, messages with their
 * body, `$disconnect` with the close code, each with the `requestContext` API Gateway gives.
 */
import type * as Http from "node:http"
import type { EventType, RequestContext, WebSocketEvent } from "../Event.js"
import type { Pending } from "./connections.js"
import * as Util from "./util.js"

/** Builds the events of one API. */
export interface Events {
  readonly connect: (client: Pending, req: Http.IncomingMessage) => WebSocketEvent
  readonly message: (client: Pending, message: {
    readonly routeKey: string
    readonly time: number
    readonly body: string
    readonly isBase64Encoded: boolean
  }) => WebSocketEvent
  readonly disconnect: (client: Pending, close: {
    readonly time: number
    readonly code: number
    readonly reason: string
  }) => WebSocketEvent
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number) => String(n).padStart(2, "0")

/** `09/Feb/2024:12:00:00 +0000`, as `requestContext.requestTime`. */
const requestTime = (time: number): string => {
  const d = new Date(time)
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())} +0000`
}

/** Values by key, in the order received; the keys are the client's, so kept in a Map until made own properties. */
const multiMap = (entries: Iterable<readonly [string, string]>): Map<string, Array<string>> => {
  const out = new Map<string, Array<string>>()
  for (const [key, value] of entries) {
    const values = out.get(key)
    if (values === undefined) out.set(key, [value])
    else values.push(value)
  }
  return out
}

function* headerPairs(raw: ReadonlyArray<string>): Generator<readonly [string, string]> {
  for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i], raw[i + 1]]
}

/** @internal */
export const make = (options: {
  readonly stage: string
  readonly apiId: string
  /** The emulator's own address (known once it listens): never the `Host` header a client sent. */
  readonly domainName: () => string
}): Events => {
  const { apiId, stage } = options
  const requestContext = (
    client: Pending,
    routeKey: string,
    eventType: EventType,
    time: number
  ): RequestContext => ({
    routeKey,
    eventType,
    extendedRequestId: Util.eventId(),
    requestTime: requestTime(time),
    messageDirection: "IN",
    stage,
    connectedAt: client.connectedAt,
    requestTimeEpoch: time,
    identity: {
      sourceIp: client.sourceIp,
      ...(client.userAgent === undefined ? {} : { userAgent: client.userAgent })
    },
    requestId: Util.eventId(),
    domainName: options.domainName(),
    connectionId: client.id,
    apiId
  })
  return {
    connect: (client, req) => {
      // Gathered in Maps, then made own properties (`__proto__` included), as `JSON.parse` makes them in a Lambda's
      // event.
      const multiQuery = multiMap(new URL(req.url ?? "/", "http://localhost").searchParams)
      const multiHeaders = multiMap(headerPairs(req.rawHeaders))
      return {
        requestContext: requestContext(client, "$connect", "CONNECT", client.connectedAt),
        headers: Object.fromEntries(Array.from(multiHeaders, ([name, values]) => [name, values.join(",")])),
        multiValueHeaders: Object.fromEntries(multiHeaders),
        ...(multiQuery.size === 0 ? {} : {
          queryStringParameters: Object.fromEntries(
            Array.from(multiQuery, ([key, values]) => [key, values[values.length - 1]])
          ),
          multiValueQueryStringParameters: Object.fromEntries(multiQuery)
        }),
        isBase64Encoded: false
      }
    },
    message: (client, { body, isBase64Encoded, routeKey, time }) => ({
      requestContext: { ...requestContext(client, routeKey, "MESSAGE", time), messageId: Util.eventId() },
      body,
      isBase64Encoded
    }),
    disconnect: (client, { code, reason, time }) => ({
      requestContext: {
        ...requestContext(client, "$disconnect", "DISCONNECT", time),
        disconnectStatusCode: code,
        disconnectReason: reason
      },
      isBase64Encoded: false
    })
  }
}
