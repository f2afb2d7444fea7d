import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"

/**
 * How much of a body is read ahead before anyone asks for it. Most answers are smaller and arrive whole: the socket
 * goes back to the pool at once, whether the body is read or not. A larger body waits, paused, for a reader.
 */
const READ_AHEAD_BYTES = 1024 * 1024

const EMPTY = new Uint8Array(0)

type Settled = { readonly _tag: "Done"; readonly body: Uint8Array } | { readonly _tag: "Failed"; readonly cause: Error }

/**
 * A response body as it arrives: buffered up to {@link READ_AHEAD_BYTES}, then held back (TCP back-pressure) until it
 * is read whole or streamed.
 */
class Body {
  private chunks: Array<Uint8Array> = []
  private size = 0
  private settled: Settled | undefined
  private waiting: Array<(settled: Settled) => void> = []
  private streaming: ((chunk: Uint8Array | Settled) => void) | undefined
  /** Told when the body has ended, whether it was read or not. */
  onSettled: (() => void) | undefined

  constructor(private readonly source: Http.IncomingMessage) {
    source.on("data", (chunk: Buffer) => {
      if (this.streaming !== undefined) return this.streaming(chunk)
      this.chunks.push(chunk)
      this.size += chunk.length
      if (this.size > READ_AHEAD_BYTES && this.waiting.length === 0) source.pause()
    })
    source.on("end", () => {
      if (source.complete) this.settle({ _tag: "Done", body: this.concat() })
    })
    source.on("error", (cause) => this.settle({ _tag: "Failed", cause }))
    source.on("close", () => {
      if (!source.complete) {
        this.settle({ _tag: "Failed", cause: connectionClosed() })
      }
    })
  }

  private concat(): Uint8Array {
    const chunks = this.chunks
    this.chunks = []
    return chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size)
  }

  private settle(settled: Settled) {
    if (this.settled !== undefined) return
    this.settled = settled
    this.onSettled?.()
    if (this.streaming !== undefined) return this.streaming(settled)
    const waiting = this.waiting
    this.waiting = []
    for (let i = 0; i < waiting.length; i++) waiting[i](settled)
  }

  /** The body and how it ended, once it has. */
  get result(): Settled | undefined {
    return this.settled
  }

  /** The whole body, once. */
  read(onSettled: (settled: Settled) => void): () => void {
    if (this.settled !== undefined) {
      onSettled(this.settled)
      return () => {}
    }
    this.waiting.push(onSettled)
    this.source.resume()
    return () => {
      this.waiting = this.waiting.filter((waiter) => waiter !== onSettled)
      if (this.waiting.length === 0) this.source.destroy()
    }
  }

  /** The body chunk by chunk: what was read ahead first. */
  stream(emit: (chunk: Uint8Array | Settled) => void): () => void {
    const ahead = this.concat()
    if (ahead.length > 0) emit(ahead)
    if (this.settled !== undefined) {
      // A body that arrived whole is in `settled` (and `ahead` is empty): "Done" carries it.
      emit(this.settled)
      return () => {}
    }
    this.streaming = emit
    this.source.resume()
    return () => this.source.destroy()
  }

  pause() {
    this.source.pause()
  }

  resume() {
    this.source.resume()
  }
}

/** The bytes in an `ArrayBuffer` of their own: each caller gets its own copy. */
const copyBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

const connectionClosed = () =>
  Object.assign(new Error("the connection closed before the response was complete"), { code: "ECONNRESET" })

/**
 * An `HttpClientResponse` over a `node:http` response: its body is read at most once and kept, so `text`, `json` and
 * `arrayBuffer` may each be used, any number of times.
 */
export class NodeResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly status: number
  readonly headers: Headers.Headers
  private readonly body: Body

  constructor(readonly request: HttpClientRequest.HttpClientRequest, private readonly source: Http.IncomingMessage) {
    super()
    this.status = source.statusCode ?? 0
    this.headers = Headers.fromInput(source.headers as Record<string, string | ReadonlyArray<string>>)
    this.body = new Body(source)
  }

  /** Calls `settled` once the body has ended, read or not (at once if it has). */
  whenSettled(settled: () => void): void {
    if (this.body.result !== undefined) return settled()
    this.body.onSettled = settled
  }

  /** Ends the response with `cause`: its body, if not whole yet, fails with it. */
  destroy(cause: Error): void {
    this.source.destroy(cause)
  }

  /**
   * Calls `ready` when the response may be handed over: at once, or, for a body of a declared length within the
   * read-ahead, once it has arrived (or failed). An API's small answers are then read with no further wait.
   */
  whenReady(ready: () => void): void {
    const declared = this.source.headers["content-length"]
    if (declared === undefined || !(Number(declared) <= READ_AHEAD_BYTES)) return ready()
    this.body.read(ready)
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  /** The whole body: read once, the same bytes each time. */
  get uint8Array(): Effect.Effect<Uint8Array, HttpClientError.ResponseError> {
    const result = this.body.result
    if (result !== undefined) {
      return result._tag === "Done" ? Effect.succeed(result.body) : Effect.fail(this.decodeError(result.cause))
    }
    return Effect.async<Uint8Array, HttpClientError.ResponseError>((resume) => {
      const cancel = this.body.read((settled) =>
        resume(settled._tag === "Done" ? Effect.succeed(settled.body) : Effect.fail(this.decodeError(settled.cause)))
      )
      return Effect.sync(cancel)
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.uint8Array, copyBuffer)
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.uint8Array, (bytes) => new TextDecoder().decode(bytes))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => text === "" ? null : JSON.parse(text) as unknown,
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.uint8Array, (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes as Uint8Array<ArrayBuffer>, { headers: this.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.async<Uint8Array, HttpClientError.ResponseError>((emit) => {
      const cancel = this.body.stream((chunk) => {
        if (chunk instanceof Uint8Array) {
          this.body.pause()
          emit.single(chunk).then(() => this.body.resume(), () => this.body.resume())
        } else if (chunk._tag === "Done") {
          if (chunk.body.length > 0) emit.single(chunk.body)
          emit.end()
        } else {
          emit.fail(this.decodeError(chunk.cause))
        }
      })
      return Effect.sync(cancel)
    })
  }

  private cachedCookies: Cookies.Cookies | undefined
  get cookies(): Cookies.Cookies {
    return this.cachedCookies ??= Cookies.fromSetCookie(this.source.headers["set-cookie"] ?? [])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.source.socket?.remoteAddress)
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
