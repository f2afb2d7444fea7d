/**
 * The official AWS SigV4 test suite (`test/fixtures/sigv4-vectors`) through our `SigV4.sign` and `SigV4.verify`.
 *
 * Each `.req` is parsed here (method, raw path, query, headers with repeated and folded lines joined by `,`, body),
 * signed with the suite's parameters (service `service`, region `us-east-1`, 2015-08-30T12:36:00Z, no
 * `x-amz-content-sha256`), and the `Authorization` header compared with `.authz` byte for byte. The `.sreq` files
 * (the signed requests) must pass `verify`, and tampered copies of them must not.
 *
 * An independent check of the vectors themselves (`.creq` -> `.sts` -> `.authz` with `node:crypto` only) runs first,
 * so that a broken file cannot make a broken signer look right. `SigV4.presign` is held to `@smithy/signature-v4`
 * (the AWS SDK's signer) on every vector request, since the suite has no presigned cases.
 *
 * How the suite's cases map onto our API (none is skipped):
 * - Raw paths (`get-space`, `get-utf8`, `get-vanilla-utf8-query`, `get-unreserved`) are passed unencoded: the
 *   signer encodes the path once, which is what `.creq` shows. On the wire our client passes the already encoded
 *   path and the signer encodes it a second time (`%3D` -> `%253D`), as execute-api requires (SDK v3 and botocore
 *   do the same); that is tested in `test/oracle.test.ts` against the SDK.
 * - `normalize-path/*`: `.`, `..` and empty segments are removed before encoding, as the suite wants for every
 *   service but S3. So `/example/..` and `//` sign as `/`.
 * - `post-sts-header-before`: signed with session credentials; the signer adds and signs `x-amz-security-token`.
 *   `post-sts-header-after`: signed with long-term credentials, the token is added afterwards, so its `.authz` is
 *   `post-vanilla`'s; `verify` accepts it with credentials that carry no token (the token is then not checked).
 * - `x-amz-date` given in `.req` is dropped before signing: the signer sets it from the signing time (and we check
 *   it set the same value).
 */
import { assert, describe, it } from "@effect/vitest"
import { SignatureV4 } from "@smithy/signature-v4"
import * as Redacted from "effect/Redacted"
import { createHash, createHmac } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import type { AwsCredentialIdentity } from "../src/AwsCredentials.js"
import * as SigV4 from "../src/SigV4.js"
import { loadCases, PARAMS, parseRequest, type VectorCase, vectorsDir } from "./sigv4-vectors.js"
import { Sha256 } from "./smithySha256.js"

const cases = loadCases()
const byName = new Map(cases.map((c) => [c.name, c]))

const sessionToken = (() => {
  const readme = fs.readFileSync(path.join(vectorsDir, "post-sts-token", "readme.txt"), "utf8")
  const lines = readme.split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return lines[lines.length - 1]
})()

const longTerm: AwsCredentialIdentity = {
  accessKeyId: PARAMS.accessKeyId,
  secretAccessKey: Redacted.make(PARAMS.secretAccessKey)
}
const session: AwsCredentialIdentity = { ...longTerm, sessionToken: Redacted.make(sessionToken) }

/** Cases signed with the session token (the signer adds the header itself). */
const SIGNED_WITH_TOKEN = new Set(["post-sts-header-before"])
/** Cases where the token header is added after signing. */
const TOKEN_ADDED_AFTER = new Set(["post-sts-header-after"])

const credentialsFor = (name: string) => SIGNED_WITH_TOKEN.has(name) ? session : longTerm

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex")
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest()

/** Signs `.req` with our signer, as a client would: the headers of the request, minus `x-amz-date` (and the token). */
const signCase = (c: VectorCase, credentials = credentialsFor(c.name)) => {
  const req = parseRequest(c.req)
  const { "x-amz-date": amzDate, "x-amz-security-token": token, ...headers } = req.headers
  return {
    req,
    amzDate,
    token,
    signed: SigV4.sign({
      method: req.method,
      hostname: headers["host"],
      path: req.path,
      query: req.query,
      headers,
      body: req.body === "" ? undefined : req.body
    }, { credentials, region: PARAMS.region, service: PARAMS.service, time: PARAMS.time })
  }
}

describe("SigV4.presign agrees with @smithy/signature-v4 on every vector request", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const req = parseRequest(c.req)
      const { "x-amz-date": _date, "x-amz-security-token": _token, ...headers } = req.headers
      // An x-amz-* header moves into the query: covered on every case.
      const variants = [headers, { ...headers, "x-amz-meta-note": "a b" }]
      for (const credentials of [longTerm, session]) {
        for (const variant of variants) {
          for (const expiresIn of [1, 900, 604800]) {
            const request = {
              method: req.method,
              hostname: variant["host"],
              path: req.path,
              query: req.query,
              headers: variant,
              body: req.body === "" ? undefined : req.body
            }
            const ours = SigV4.presign(request, {
              credentials,
              region: PARAMS.region,
              service: PARAMS.service,
              time: PARAMS.time,
              expiresIn
            })
            const smithy = await new SignatureV4({
              credentials: {
                accessKeyId: credentials.accessKeyId,
                secretAccessKey: PARAMS.secretAccessKey,
                ...(credentials.sessionToken === undefined ? {} : { sessionToken })
              },
              region: PARAMS.region,
              service: PARAMS.service,
              sha256: Sha256
            }).presign({ ...request, protocol: "https:", query: { ...req.query }, headers: { ...variant } }, {
              signingDate: new Date(PARAMS.time),
              expiresIn
            })
            assert.deepStrictEqual(ours, smithy.query)
          }
        }
      }
    })
  }
})

describe("SigV4 test-suite vectors", () => {
  it("finds all 31 cases in the test fixtures (test/fixtures/sigv4-vectors)", () => {
    assert.strictEqual(cases.length, 31, `found ${cases.map((c) => c.name).join(", ")} in ${vectorsDir}`)
    assert.strictEqual(new Set(cases.map((c) => c.name)).size, 31)
    assert.strictEqual(cases.filter((c) => c.dir.startsWith("normalize-path")).length, 7)
    assert.strictEqual(cases.filter((c) => c.dir.startsWith("post-sts-token")).length, 2)
    assert.strictEqual(
      parseRequest(byName.get("post-sts-header-before")!.req).headers["x-amz-security-token"],
      sessionToken
    )
  })

  describe("the vector files are self-consistent (.creq -> .sts -> .authz, node:crypto only)", () => {
    for (const c of cases) {
      it(c.name, () => {
        const scope = `${PARAMS.amzDate.slice(0, 8)}/${PARAMS.region}/${PARAMS.service}/aws4_request`
        const sts = `AWS4-HMAC-SHA256\n${PARAMS.amzDate}\n${scope}\n${sha256(c.creq)}`
        assert.strictEqual(sts, c.sts)
        const key = ["aws4_request"].reduce(
          (k, part) => hmac(k, part),
          hmac(hmac(hmac(`AWS4${PARAMS.secretAccessKey}`, PARAMS.amzDate.slice(0, 8)), PARAMS.region), PARAMS.service)
        )
        const signedHeaders = c.creq.split("\n").at(-2)!
        const authz = `AWS4-HMAC-SHA256 Credential=${PARAMS.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, ` +
          `Signature=${createHmac("sha256", key).update(sts, "utf8").digest("hex")}`
        assert.strictEqual(authz, c.authz)
      })
    }
  })

  describe("SigV4.sign reproduces .authz byte for byte", () => {
    for (const c of cases) {
      it(c.name, async () => {
        const { amzDate, signed, token } = signCase(c)
        const headers = await signed
        assert.strictEqual(headers["authorization"], c.authz)
        assert.strictEqual(headers["x-amz-date"], amzDate)
        assert.strictEqual(headers["x-amz-date"], PARAMS.amzDate)
        if (SIGNED_WITH_TOKEN.has(c.name)) {
          assert.strictEqual(headers["x-amz-security-token"], token)
        } else {
          assert.isUndefined(headers["x-amz-security-token"])
        }
        // Every header of the signed request (.sreq) but the token added after signing is what we produce.
        const sreq = parseRequest(c.sreq)
        const produced = { ...headers }
        if (TOKEN_ADDED_AFTER.has(c.name)) produced["x-amz-security-token"] = sessionToken
        assert.deepStrictEqual(
          Object.keys(produced).sort(),
          Object.keys(sreq.headers).sort()
        )
        // HTTP optional whitespace after the colon ("Authorization: AWS4-...") is not part of the value.
        assert.strictEqual(produced["authorization"], sreq.headers["authorization"].trimStart())
      })
    }
  })

  it("a payloadHash given is used instead of hashing the body (a broadcast hashes once)", () => {
    const c = byName.get("post-x-www-form-urlencoded")!
    const req = parseRequest(c.req)
    const { "x-amz-date": _date, ...headers } = req.headers
    const sign = (payloadHash?: string) =>
      SigV4.sign(
        { method: req.method, hostname: headers["host"], path: req.path, headers, body: req.body },
        { credentials: longTerm, region: PARAMS.region, service: PARAMS.service, time: PARAMS.time, payloadHash }
      )["authorization"]
    assert.strictEqual(sign(SigV4.payloadHash(req.body)), c.authz)
    assert.strictEqual(sign(), c.authz)
    assert.notStrictEqual(sign(SigV4.payloadHash("something else")), c.authz)
  })

  it("post-sts-header-after signs as post-vanilla (the token is not signed)", async () => {
    const after = await signCase(byName.get("post-sts-header-after")!).signed
    const vanilla = await signCase(byName.get("post-vanilla")!).signed
    assert.strictEqual(after["authorization"], vanilla["authorization"])
    assert.strictEqual(after["authorization"], byName.get("post-vanilla")!.authz)
  })

  it("a token passed as a header (not through credentials) is signed the same way", async () => {
    const req = parseRequest(byName.get("post-sts-header-before")!.req)
    const { "x-amz-date": _date, ...headers } = req.headers
    const signed = await SigV4.sign(
      { method: req.method, hostname: headers["host"], path: req.path, headers },
      { credentials: longTerm, region: PARAMS.region, service: PARAMS.service, time: PARAMS.time }
    )
    assert.strictEqual(signed["authorization"], byName.get("post-sts-header-before")!.authz)
  })

  it("the payload hash header, when asked for, changes the signature (the suite has none)", async () => {
    const c = byName.get("post-x-www-form-urlencoded")!
    const req = parseRequest(c.req)
    const { "x-amz-date": _date, ...headers } = req.headers
    const signed = await SigV4.sign(
      { method: req.method, hostname: headers["host"], path: req.path, headers, body: req.body },
      {
        credentials: longTerm,
        region: PARAMS.region,
        service: PARAMS.service,
        time: PARAMS.time,
        contentSha256: true
      }
    )
    assert.strictEqual(signed["x-amz-content-sha256"], sha256(req.body))
    assert.include(signed["authorization"], "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,")
    assert.notStrictEqual(signed["authorization"], c.authz)
  })

  describe("SigV4.verify on the signed requests (.sreq)", () => {
    const verifyOptions = (name: string, overrides: Partial<Parameters<typeof SigV4.verify>[1]> = {}) => ({
      credentials: credentialsFor(name),
      region: PARAMS.region,
      service: PARAMS.service,
      now: PARAMS.time,
      ...overrides
    })
    const signable = (c: VectorCase, change: (req: SigV4.SignableRequest) => SigV4.SignableRequest = (r) => r) => {
      const req = parseRequest(c.sreq)
      return change({
        method: req.method,
        hostname: req.headers["host"],
        path: req.path,
        query: req.query,
        headers: req.headers,
        body: req.body === "" ? undefined : req.body
      })
    }
    const withHeader = (name: string, value: string) => (req: SigV4.SignableRequest) => ({
      ...req,
      headers: { ...req.headers, [name]: value }
    })

    for (const c of cases) {
      describe(c.name, () => {
        it("accepts the signed request", async () => {
          assert.isUndefined(await SigV4.verify(signable(c), verifyOptions(c.name)))
        })
        it("accepts it up to 5 minutes either side, refuses it beyond (StaleDate)", async () => {
          for (const skew of [-300_000, 300_000]) {
            assert.isUndefined(await SigV4.verify(signable(c), verifyOptions(c.name, { now: PARAMS.time + skew })))
          }
          for (const skew of [-300_001, 300_001, 86_400_000]) {
            assert.strictEqual(
              await SigV4.verify(signable(c), verifyOptions(c.name, { now: PARAMS.time + skew })),
              "StaleDate"
            )
          }
          assert.isUndefined(
            await SigV4.verify(
              signable(c),
              verifyOptions(c.name, { now: PARAMS.time + 600_000, maxSkewMillis: 600_000 })
            )
          )
        })
        it("refuses a changed body", async () => {
          for (const body of ["x", `${parseRequest(c.sreq).body}x`, "Param1=value2"]) {
            assert.strictEqual(
              await SigV4.verify(signable(c, (r) => ({ ...r, body })), verifyOptions(c.name)),
              "SignatureMismatch"
            )
          }
        })
        it("refuses a changed path", async () => {
          for (
            const change of [(p: string) => `${p}x`, (p: string) => `/x${p}`, (p: string) => p.toUpperCase() + "/A"]
          ) {
            assert.strictEqual(
              await SigV4.verify(signable(c, (r) => ({ ...r, path: change(r.path) })), verifyOptions(c.name)),
              "SignatureMismatch"
            )
          }
        })
        it("refuses a changed method and query", async () => {
          assert.strictEqual(
            await SigV4.verify(
              signable(c, (r) => ({ ...r, method: r.method === "GET" ? "POST" : "GET" })),
              verifyOptions(c.name)
            ),
            "SignatureMismatch"
          )
          assert.strictEqual(
            await SigV4.verify(
              signable(c, (r) => ({ ...r, query: { ...r.query, Extra: "1" } })),
              verifyOptions(c.name)
            ),
            "SignatureMismatch"
          )
        })
        it("refuses a changed signed header value", async () => {
          const sreq = parseRequest(c.sreq)
          const auth = SigV4.parseAuthorization(sreq.headers["authorization"])!
          for (const name of auth.signedHeaders) {
            if (name === "x-amz-date") continue
            const value = sreq.headers[name]
            assert.strictEqual(
              await SigV4.verify(signable(c, withHeader(name, `${value}X`)), verifyOptions(c.name)),
              "SignatureMismatch",
              name
            )
          }
          // Signed but dropped.
          assert.strictEqual(
            await SigV4.verify(
              signable(c, (r) => {
                const { host: _host, ...headers } = r.headers
                return { ...r, headers }
              }),
              verifyOptions(c.name)
            ),
            "SignatureMismatch"
          )
        })
        it("refuses a date moved by one second (within the skew)", async () => {
          assert.strictEqual(
            await SigV4.verify(signable(c, withHeader("x-amz-date", "20150830T123601Z")), verifyOptions(c.name)),
            "SignatureMismatch"
          )
        })
        it("refuses a wrong key, a wrong key id, a wrong scope", async () => {
          const credentials = credentialsFor(c.name)
          assert.strictEqual(
            await SigV4.verify(
              signable(c),
              verifyOptions(c.name, {
                credentials: { ...credentials, secretAccessKey: Redacted.make(`${PARAMS.secretAccessKey}x`) }
              })
            ),
            "SignatureMismatch"
          )
          assert.strictEqual(
            await SigV4.verify(
              signable(c),
              verifyOptions(c.name, { credentials: { ...credentials, accessKeyId: "AKIDOTHER" } })
            ),
            "UnknownAccessKey"
          )
          assert.strictEqual(
            await SigV4.verify(signable(c), verifyOptions(c.name, { region: "eu-west-1" })),
            "WrongScope"
          )
          assert.strictEqual(
            await SigV4.verify(signable(c), verifyOptions(c.name, { service: "execute-api" })),
            "WrongScope"
          )
        })
      })
    }

    it("post-sts-header-before: refuses a changed or missing token, and credentials that expect another", async () => {
      const c = byName.get("post-sts-header-before")!
      assert.strictEqual(
        await SigV4.verify(signable(c, withHeader("x-amz-security-token", `${sessionToken}x`)), verifyOptions(c.name)),
        "SignatureMismatch"
      )
      assert.strictEqual(
        await SigV4.verify(
          signable(c),
          verifyOptions(c.name, { credentials: { ...session, sessionToken: Redacted.make("other") } })
        ),
        "SignatureMismatch"
      )
    })

    it("post-sts-header-after: an unsigned token is refused when the credentials carry one", async () => {
      const c = byName.get("post-sts-header-after")!
      assert.strictEqual(
        await SigV4.verify(signable(c), verifyOptions(c.name, { credentials: session })),
        "SignatureMismatch"
      )
    })

    it("a request without Authorization, or with a malformed one, is refused", async () => {
      const c = byName.get("get-vanilla")!
      assert.strictEqual(
        await SigV4.verify(
          signable(c, (r) => {
            const { authorization: _authorization, ...headers } = r.headers
            return { ...r, headers }
          }),
          verifyOptions(c.name)
        ),
        "MissingAuthentication"
      )
      assert.strictEqual(
        await SigV4.verify(signable(c, withHeader("authorization", "AWS4-HMAC-SHA256 garbage")), verifyOptions(c.name)),
        "MalformedAuthorization"
      )
      assert.strictEqual(
        await SigV4.verify(signable(c, withHeader("x-amz-date", "2015-08-30T12:36:00Z")), verifyOptions(c.name)),
        "MalformedAuthorization"
      )
    })
  })
})
