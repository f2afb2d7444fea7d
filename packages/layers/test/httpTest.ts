/** Helpers of the Http tests: bodies that show any lost, duplicated or reordered byte, and test servers' parts. */
import type * as NodeHttp from "node:http"

/** Bytes `from`, `from + 1`, ... (mod 256): any lost, duplicated or reordered byte shows. */
export const bytes = (length: number, from = 0): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (from + i) & 0xff
  return out
}

/** A body whose every 4 bytes are their own index: a misplaced chunk anywhere in megabytes shows. */
export const indexed = (length: number): Buffer => {
  const out = Buffer.alloc(length)
  for (let i = 0; i + 4 <= length; i += 4) out.writeUInt32BE(i / 4, i)
  return out
}

/**
 * Writes a `size`-byte body to `response`, `piece(offset)` after piece while its socket takes them, waiting for
 * `drain` when it does not, then ends it; `written` is told the bytes written so far after each piece.
 */
export const writeBackpressured = (
  response: NodeHttp.ServerResponse,
  size: number,
  piece: (offset: number) => Uint8Array,
  written: (bytes: number) => void
): void => {
  let offset = 0
  const write = () => {
    while (offset < size) {
      const chunk = piece(offset)
      offset += chunk.length
      written(offset)
      if (!response.write(chunk)) return void response.once("drain", write)
    }
    response.end()
  }
  write()
}

/** A request as a test server received it, read whole. */
export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: NodeHttp.IncomingHttpHeaders
  readonly body: Buffer
  /** The client's port: one port, one connection. */
  readonly remotePort: number | undefined
}

/** What a test server does with a request, once it has read and recorded it. */
export type Handler = (request: Received, response: NodeHttp.ServerResponse) => void

/** A server's request listener: reads each request whole, pushes it to `received`, then hands it to `handler`. */
export const recording =
  (received: Array<Received>, handler: Handler) =>
  (request: NodeHttp.IncomingMessage, response: NodeHttp.ServerResponse): void => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const recorded: Received = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks),
        remotePort: request.socket.remotePort
      }
      received.push(recorded)
      handler(recorded, response)
    })
  }
