/**
 * The official AWS SigV4 test suite (`packages/core/test/fixtures/sigv4-vectors`) through the emulator's verifier:
 * every signed request (`.sreq`, signed by AWS's reference implementation) must pass `verify`, and tampered copies
 * of it must not (body, path, method, query, each signed header, the date, the key, the key id, the scope). Signing
 * the same vectors through the client's `SigV4.sign` is tested in `packages/core/test/SigV4.vectors.test.ts`.
 *
 * - `post-sts-header-before`: the token is signed; it must be the credentials' token.
 * - `post-sts-header-after`: the token is added after signing, so its `.authz` is `post-vanilla`'s; `verify` accepts
 *   it with credentials that carry no token (the token is then not checked), and refuses it with credentials that
 *   carry one (a session token must be signed).
 */
import type { SignableRequest } from "@effect-apigw/core/SigV4"
import { assert, describe, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import { signatureFor } from "../../../test/sigv4-reference.js"
import {
  byName,
  cases,
  credentialsFor,
  PARAMS,
  parseRequest,
  session,
  sessionToken,
  signableOf,
  type VectorCase,
  vectorsDir
} from "../../core/test/sigv4-vectors.js"
import * as Verifier from "../src/internal/sigv4.js"

it("finds all 31 cases in the test fixtures", () => {
  assert.strictEqual(cases.length, 31, `found ${cases.map((c) => c.name).join(", ")} in ${vectorsDir}`)
})

describe("verify on the signed requests (.sreq)", () => {
  const verifyOptions = (name: string, overrides: Partial<Parameters<typeof Verifier.verify>[1]> = {}) => ({
    credentials: credentialsFor(name),
    region: PARAMS.region,
    service: PARAMS.service,
    now: PARAMS.time,
    ...overrides
  })
  const signable = (c: VectorCase, change: (req: SignableRequest) => SignableRequest = (r) => r) =>
    change(signableOf(parseRequest(c.sreq)))
  const withHeader = (name: string, value: string) => (req: SignableRequest) => ({
    ...req,
    headers: { ...req.headers, [name]: value }
  })
  const withoutHeader = (name: string) => (req: SignableRequest) => {
    const { [name]: _dropped, ...headers } = req.headers
    return { ...req, headers }
  }

  for (const c of cases) {
    describe(c.name, () => {
      it("accepts the signed request", async () => {
        assert.isUndefined(await Verifier.verify(signable(c), verifyOptions(c.name)))
      })
      it("accepts it up to 5 minutes either side, refuses it beyond (StaleDate)", async () => {
        for (const skew of [-300_000, 300_000]) {
          assert.isUndefined(await Verifier.verify(signable(c), verifyOptions(c.name, { now: PARAMS.time + skew })))
        }
        for (const skew of [-300_001, 300_001, 86_400_000]) {
          assert.strictEqual(
            await Verifier.verify(signable(c), verifyOptions(c.name, { now: PARAMS.time + skew })),
            "StaleDate"
          )
        }
        assert.isUndefined(
          await Verifier.verify(
            signable(c),
            verifyOptions(c.name, { now: PARAMS.time + 600_000, maxSkewMillis: 600_000 })
          )
        )
      })
      it("refuses a changed body", async () => {
        for (const body of ["x", `${parseRequest(c.sreq).body}x`, "Param1=value2"]) {
          assert.strictEqual(
            await Verifier.verify(signable(c, (r) => ({ ...r, body })), verifyOptions(c.name)),
            "SignatureMismatch"
          )
        }
      })
      it("refuses a changed path", async () => {
        for (
          const change of [(p: string) => `${p}x`, (p: string) => `/x${p}`, (p: string) => p.toUpperCase() + "/A"]
        ) {
          assert.strictEqual(
            await Verifier.verify(signable(c, (r) => ({ ...r, path: change(r.path) })), verifyOptions(c.name)),
            "SignatureMismatch"
          )
        }
      })
      it("refuses a changed method and query", async () => {
        assert.strictEqual(
          await Verifier.verify(
            signable(c, (r) => ({ ...r, method: r.method === "GET" ? "POST" : "GET" })),
            verifyOptions(c.name)
          ),
          "SignatureMismatch"
        )
        assert.strictEqual(
          await Verifier.verify(
            signable(c, (r) => ({ ...r, query: { ...r.query, Extra: "1" } })),
            verifyOptions(c.name)
          ),
          "SignatureMismatch"
        )
      })
      it("refuses a changed signed header value", async () => {
        const sreq = parseRequest(c.sreq)
        const auth = Verifier.parseAuthorization(sreq.headers["authorization"])!
        for (const name of auth.signedHeaders) {
          if (name === "x-amz-date") continue
          const value = sreq.headers[name]
          assert.strictEqual(
            await Verifier.verify(signable(c, withHeader(name, `${value}X`)), verifyOptions(c.name)),
            "SignatureMismatch",
            name
          )
        }
        // Signed but dropped.
        assert.strictEqual(
          await Verifier.verify(signable(c, withoutHeader("host")), verifyOptions(c.name)),
          "SignatureMismatch"
        )
      })
      it("refuses a date moved by one second (within the skew)", async () => {
        assert.strictEqual(
          await Verifier.verify(signable(c, withHeader("x-amz-date", "20150830T123601Z")), verifyOptions(c.name)),
          "SignatureMismatch"
        )
      })
      it("refuses a wrong key, a wrong key id, a wrong scope", async () => {
        const credentials = credentialsFor(c.name)
        assert.strictEqual(
          await Verifier.verify(
            signable(c),
            verifyOptions(c.name, {
              credentials: { ...credentials, secretAccessKey: Redacted.make(`${PARAMS.secretAccessKey}x`) }
            })
          ),
          "SignatureMismatch"
        )
        assert.strictEqual(
          await Verifier.verify(
            signable(c),
            verifyOptions(c.name, { credentials: { ...credentials, accessKeyId: "AKIDOTHER" } })
          ),
          "UnknownAccessKey"
        )
        assert.strictEqual(
          await Verifier.verify(signable(c), verifyOptions(c.name, { region: "eu-west-1" })),
          "WrongScope"
        )
        assert.strictEqual(
          await Verifier.verify(signable(c), verifyOptions(c.name, { service: "execute-api" })),
          "WrongScope"
        )
      })
    })
  }

  it("post-sts-header-before: refuses a changed or missing token, and credentials that expect another", async () => {
    const c = byName.get("post-sts-header-before")!
    assert.strictEqual(
      await Verifier.verify(signable(c, withHeader("x-amz-security-token", `${sessionToken}x`)), verifyOptions(c.name)),
      "SignatureMismatch"
    )
    assert.strictEqual(
      await Verifier.verify(
        signable(c),
        verifyOptions(c.name, { credentials: { ...session, sessionToken: Redacted.make("other") } })
      ),
      "SignatureMismatch"
    )
  })

  it("post-sts-header-after: an unsigned token is refused when the credentials carry one", async () => {
    const c = byName.get("post-sts-header-after")!
    assert.strictEqual(
      await Verifier.verify(signable(c), verifyOptions(c.name, { credentials: session })),
      "SignatureMismatch"
    )
  })

  it("a request without Authorization, or with a malformed one, is refused", async () => {
    const c = byName.get("get-vanilla")!
    assert.strictEqual(
      await Verifier.verify(signable(c, withoutHeader("authorization")), verifyOptions(c.name)),
      "MissingAuthentication"
    )
    assert.strictEqual(
      await Verifier.verify(
        signable(c, withHeader("authorization", "AWS4-HMAC-SHA256 garbage")),
        verifyOptions(c.name)
      ),
      "MalformedAuthorization"
    )
    assert.strictEqual(
      await Verifier.verify(signable(c, withHeader("x-amz-date", "2015-08-30T12:36:00Z")), verifyOptions(c.name)),
      "MalformedAuthorization"
    )
  })

  it("a signature that leaves x-amz-date out is refused, however right it is over the rest (the date could move)", async () => {
    const c = byName.get("get-vanilla")!
    const req = parseRequest(c.sreq)
    const signedOver = (headers: Record<string, string>) =>
      signatureFor({
        method: req.method,
        path: req.path,
        query: req.query,
        headers,
        body: undefined,
        amzDate: PARAMS.amzDate,
        region: PARAMS.region,
        service: PARAMS.service,
        secretAccessKey: PARAMS.secretAccessKey
      })
    const authorization = (names: string, signature: string) =>
      `AWS4-HMAC-SHA256 Credential=${PARAMS.accessKeyId}/20150830/${PARAMS.region}/${PARAMS.service}/aws4_request, ` +
      `SignedHeaders=${names}, Signature=${signature}`
    // The reference reproduces the vector over host and x-amz-date.
    const both = signedOver({ host: req.headers["host"], "x-amz-date": PARAMS.amzDate })
    assert.strictEqual(authorization("host;x-amz-date", both), c.authz)
    const hostOnly = authorization("host", signedOver({ host: req.headers["host"] }))
    assert.strictEqual(
      await Verifier.verify(signable(c, withHeader("authorization", hostOnly)), verifyOptions(c.name)),
      "SignatureMismatch"
    )
    // Listing a header twice, or out of order, names the same canonical list.
    for (const names of ["host;host;x-amz-date", "x-amz-date;host"]) {
      assert.isUndefined(
        await Verifier.verify(
          signable(c, withHeader("authorization", authorization(names, both))),
          verifyOptions(c.name)
        ),
        names
      )
    }
  })
})
