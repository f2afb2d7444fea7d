/**
 * Reading a request body with a bound: what a client sends past the limit is not kept.
 */
import type * as Http from "node:http"

/**
 * Reads the body up to `limit` bytes; `"TooLarge"` past it (or when `Content-Length` says so), without reading on.
 *
 * @internal
 */
export const read = (req: Http.IncomingMessage, limit: number): Promise<Buffer | "TooLarge"> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0)
    if (declared > limit) return resolve("TooLarge")
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.removeAllListeners("data")
        req.pause()
        resolve("TooLarge")
      } else chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })
