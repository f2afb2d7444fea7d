/**
 * The open connections: each socket's state, its idle and lifetime timers, and the bounds on what is queued for it
 * (replies while the client does not read) and from it (messages whose handlers have not answered).
 */
import type * as Models from "@effect-apigw/schema/Models"
import type { WebSocket } from "ws"
import type { Log } from "./log.js"

/** A client whose handshake is under way: what the events tell of it. */
export interface Pending {
  readonly id: string
  readonly connectedAt: number
  readonly sourceIp: string
  readonly userAgent: string | undefined
}

/** An open connection. */
export interface Connection extends Pending {
  readonly ws: WebSocket
  lastActiveAt: number
  readonly idleTimer: NodeJS.Timeout
  readonly maxTimer: NodeJS.Timeout
  /** Messages of this client whose handlers have not answered, weighed by {@link IN_FLIGHT_OVERHEAD} and size. */
  inFlight: number
  /** Whether replies are being dropped because the client does not read (logged once per episode). */
  overflowing: boolean
}

/** The open connections by id. */
export interface Registry {
  /** Registers an accepted socket and starts its idle and lifetime timers. */
  readonly add: (pending: Pending, ws: WebSocket) => Connection
  readonly get: (connectionId: string) => Connection | undefined
  readonly all: () => ReadonlyArray<Connection>
  /** The client was heard from: the connection is active now, and its idle timer starts again. */
  readonly touch: (c: Connection) => void
  /**
   * Whether a reply (a pong, an error reply, a route response) may be queued for a client: not while more than
   * `sendBufferLimit` bytes already wait for it to read. A client that does not read loses them, as
   * `PostToConnection` gets 429 for it: what is queued for a socket stays bounded.
   */
  readonly mayQueue: (c: Connection, what: string) => boolean
  /** Forgets a connection and reports it closed, once. */
  readonly finish: (c: Connection, code: number, reason: string) => void
  /** Closes a connection with a close frame (cut off if the client does not answer it), and forgets it. */
  readonly close: (c: Connection, code: number, reason: string) => void
  /** What `GetConnection` tells of a connection. */
  readonly info: (c: Connection) => Models.Connection
}

/**
 * The handlers of one client's messages that may run at once, in bytes of their messages plus this much each: past
 * {@link IN_FLIGHT_LIMIT} the emulator stops reading from the client (TCP pushes back) until half have answered.
 */
const IN_FLIGHT_OVERHEAD = 1024
const IN_FLIGHT_LIMIT = 4 * 1024 * 1024

/** How long a client has to answer a close frame before its socket is cut. */
const CLOSE_ANSWER_MILLIS = 2000

/**
 * Counts a message as work queued for its client until its handler answers (see {@link release}); past the limit,
 * the emulator stops reading from the client. Returns the weight to release.
 *
 * @internal
 */
export const admit = (c: Connection, bytes: number): number => {
  const weight = bytes + IN_FLIGHT_OVERHEAD
  c.inFlight += weight
  if (c.inFlight > IN_FLIGHT_LIMIT && !c.ws.isPaused) c.ws.pause()
  return weight
}

/**
 * A message's handler answered: its weight is no longer queued, and reading resumes once half the limit is free.
 *
 * @internal
 */
export const release = (c: Connection, weight: number): void => {
  c.inFlight -= weight
  if (c.ws.isPaused && c.inFlight <= IN_FLIGHT_LIMIT / 2) c.ws.resume()
}

/** @internal */
export const make = (options: {
  readonly log: Log
  readonly now: () => number
  readonly idleMillis: number
  readonly maxDurationMillis: number
  readonly sendBufferLimit: number
  /** Called once per connection, when it is forgotten (to run `$disconnect`). */
  readonly onClosed: (c: Connection, code: number, reason: string) => void
}): Registry => {
  const { log, now, sendBufferLimit } = options
  const connections = new Map<string, Connection>()

  const finish: Registry["finish"] = (c, code, reason) => {
    if (connections.get(c.id) !== c) return
    connections.delete(c.id)
    clearTimeout(c.idleTimer)
    clearTimeout(c.maxTimer)
    log("Debug", "disconnected", { connectionId: c.id, code, reason })
    options.onClosed(c, code, reason)
  }

  const close: Registry["close"] = (c, code, reason) => {
    finish(c, code, reason)
    try {
      c.ws.close(code, reason)
    } catch {
      c.ws.terminate()
    }
    setTimeout(() => c.ws.terminate(), CLOSE_ANSWER_MILLIS).unref()
  }

  const expire = (c: Connection, why: string) => {
    log("Info", why, { connectionId: c.id })
    close(c, 1001, "Going away")
  }

  return {
    add: (pending, ws) => {
      const c: Connection = {
        ...pending,
        ws,
        lastActiveAt: pending.connectedAt,
        idleTimer: setTimeout(() => expire(c, "idle timeout"), options.idleMillis).unref(),
        maxTimer: setTimeout(() => expire(c, "maximum connection duration reached"), options.maxDurationMillis).unref(),
        inFlight: 0,
        overflowing: false
      }
      connections.set(c.id, c)
      log("Debug", "connected", { connectionId: c.id, sourceIp: c.sourceIp })
      return c
    },
    get: (connectionId) => connections.get(connectionId),
    all: () => [...connections.values()],
    touch: (c) => {
      c.lastActiveAt = now()
      c.idleTimer.refresh()
    },
    mayQueue: (c, what) => {
      if (c.ws.readyState !== c.ws.OPEN) return false
      const buffered = c.ws.bufferedAmount
      if (buffered <= sendBufferLimit) {
        c.overflowing = false
        return true
      }
      if (!c.overflowing) {
        c.overflowing = true
        log("Warning", `the client does not read: ${what} dropped, and every reply until it does`, {
          connectionId: c.id,
          bufferedBytes: buffered
        })
      }
      return false
    },
    finish,
    close,
    info: (c) => ({
      ConnectionId: c.id,
      ConnectedAt: new Date(c.connectedAt),
      LastActiveAt: new Date(c.lastActiveAt),
      Identity: { SourceIp: c.sourceIp, ...(c.userAgent === undefined ? {} : { UserAgent: c.userAgent }) }
    })
  }
}
