/**
 * Reads the official AWS SigV4 test-suite vectors (`packages/core/test/fixtures/sigv4-vectors`, see its README and
 * LICENSE) into plain requests, with the suite's credentials, for the signing tests here and the verifying tests of
 * the emulator. Test helper: parsing is done here, independently of the code under test.
 */
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { AwsCredentialIdentity } from "../src/AwsCredentials.js"
import type { SignableRequest } from "../src/SigV4.js"

/** The vectors, kept with their licence notice in this package's test fixtures. */
export const vectorsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "fixtures/sigv4-vectors")

/** The parameters every case uses (README, "Parameters that every case uses"). */
export const PARAMS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  amzDate: "20150830T123600Z",
  time: Date.UTC(2015, 7, 30, 12, 36, 0)
} as const

/** A request parsed from a `.req` or `.sreq` file. */
export interface ParsedRequest {
  readonly method: string
  /** The request-target's path exactly as written (raw spaces and UTF-8 included). */
  readonly path: string
  /** The raw query string, without `?` (`""` when absent). */
  readonly rawQuery: string
  readonly query: Record<string, string | Array<string>>
  /** Lower-case names; repeated headers and folded lines joined with `,` (README, "How to read the cases"). */
  readonly headers: Record<string, string>
  readonly body: string
}

/** One case: its name, folder, and the five files. */
export interface VectorCase {
  readonly name: string
  readonly dir: string
  readonly req: string
  readonly creq: string
  readonly sts: string
  readonly authz: string
  readonly sreq: string
}

/** Every case folder (a folder holding `<name>.req`), found recursively, sorted by name. */
export const loadCases = (): ReadonlyArray<VectorCase> => {
  const cases: Array<VectorCase> = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const sub = path.join(dir, entry.name)
      const file = (ext: string) => path.join(sub, `${entry.name}.${ext}`)
      if (fs.existsSync(file("req"))) {
        const read = (ext: string) => fs.readFileSync(file(ext), "utf8")
        cases.push({
          name: entry.name,
          dir: path.relative(vectorsDir, sub),
          req: read("req"),
          creq: read("creq"),
          sts: read("sts"),
          authz: read("authz"),
          sreq: read("sreq")
        })
      }
      walk(sub)
    }
  }
  walk(vectorsDir)
  return cases.sort((a, b) => a.name.localeCompare(b.name))
}

/** Splits a raw query string into a multi-map, as the signer takes it (values in the order they appear). */
export const parseQuery = (raw: string): Record<string, string | Array<string>> => {
  const query: Record<string, string | Array<string>> = {}
  if (raw === "") return query
  for (const pair of raw.split("&")) {
    const eq = pair.indexOf("=")
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq))
    const value = eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1))
    const prev = query[key]
    query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return query
}

/**
 * Parses an HTTP/1.1 request as the suite writes it: `METHOD SP target SP HTTP/1.1`, where the target may hold a
 * raw space (`get-space`), then `Name:value` lines, continuation lines starting with whitespace, an empty line and
 * the body.
 */
export const parseRequest = (text: string): ParsedRequest => {
  const lines = text.split("\n")
  const requestLine = lines[0]
  const firstSpace = requestLine.indexOf(" ")
  const lastSpace = requestLine.lastIndexOf(" ")
  if (firstSpace < 0 || lastSpace <= firstSpace || !requestLine.slice(lastSpace + 1).startsWith("HTTP/")) {
    throw new Error(`malformed request line: ${JSON.stringify(requestLine)}`)
  }
  const method = requestLine.slice(0, firstSpace)
  const target = requestLine.slice(firstSpace + 1, lastSpace)
  const q = target.indexOf("?")
  const rawPath = q < 0 ? target : target.slice(0, q)
  const rawQuery = q < 0 ? "" : target.slice(q + 1)
  const headers: Record<string, string> = {}
  let last: string | undefined
  let i = 1
  for (; i < lines.length; i++) {
    const line = lines[i]
    if (line === "") break
    if (/^[ \t]/.test(line)) {
      if (last === undefined) throw new Error(`continuation line without a header: ${JSON.stringify(line)}`)
      headers[last] = `${headers[last]},${line.trim()}`
      continue
    }
    const colon = line.indexOf(":")
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`)
    const name = line.slice(0, colon).toLowerCase()
    const value = line.slice(colon + 1)
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`
    last = name
  }
  const body = i < lines.length ? lines.slice(i + 1).join("\n") : ""
  return { method, path: rawPath, rawQuery, query: parseQuery(rawQuery), headers, body }
}

/** Every case, sorted by name, and each by its name. */
export const cases = loadCases()
export const byName = new Map(cases.map((c) => [c.name, c]))

/** The session token of the `post-sts-token` cases: the last line of that folder's `readme.txt`. */
export const sessionToken = (() => {
  const readme = fs.readFileSync(path.join(vectorsDir, "post-sts-token", "readme.txt"), "utf8")
  const lines = readme.split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return lines[lines.length - 1]
})()

/** The suite's credentials, long-term and with the session token. */
export const longTerm: AwsCredentialIdentity = {
  accessKeyId: PARAMS.accessKeyId,
  secretAccessKey: Redacted.make(PARAMS.secretAccessKey)
}
export const session: AwsCredentialIdentity = { ...longTerm, sessionToken: Redacted.make(sessionToken) }

/** Cases signed with the session token (the signer adds the header itself). */
export const SIGNED_WITH_TOKEN = new Set(["post-sts-header-before"])

/** The credentials a case is signed with. */
export const credentialsFor = (name: string): AwsCredentialIdentity => SIGNED_WITH_TOKEN.has(name) ? session : longTerm

/** A parsed request as the signer takes it, with these headers (its own by default); an empty body is none. */
export const signableOf = (req: ParsedRequest, headers: Record<string, string> = req.headers): SignableRequest => ({
  method: req.method,
  hostname: headers["host"],
  path: req.path,
  query: req.query,
  headers,
  body: req.body === "" ? undefined : req.body
})
