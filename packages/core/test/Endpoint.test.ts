import { Endpoint } from "@effect-apigw/core"
import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"

const ok = (input: string | URL, region?: string) => {
  const result = Endpoint.parse(input, region)
  if (Either.isLeft(result)) assert.fail(`${input}: ${result.left.message}`)
  return result.right
}
const bad = (input: string, region?: string) => {
  const result = Endpoint.parse(input, region)
  if (Either.isRight(result)) assert.fail(`${input} was accepted`)
  return result.left
}

describe("Endpoint.parse", () => {
  it("reads execute-api hosts, infers the region and keeps the stage", () => {
    const endpoint = ok("https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
    assert.deepStrictEqual(endpoint, {
      protocol: "https:",
      host: "abc123.execute-api.eu-west-1.amazonaws.com",
      hostname: "abc123.execute-api.eu-west-1.amazonaws.com",
      basePath: "/prod",
      region: "eu-west-1",
      url: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    })
    assert.strictEqual(ok("https://abc.execute-api.cn-north-1.amazonaws.com.cn/dev").region, "cn-north-1")
    assert.strictEqual(ok(new URL("https://abc.execute-api.us-gov-west-1.amazonaws.com/x")).region, "us-gov-west-1")
  })

  it("normalises trailing slashes, @connections, wss:// and case", () => {
    for (
      const input of [
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/",
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod//",
        "wss://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        "WSS://ABC123.execute-api.eu-west-1.amazonaws.com/prod",
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/@connections",
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/@connections/",
        "  https://abc123.execute-api.eu-west-1.amazonaws.com/prod  "
      ]
    ) {
      assert.strictEqual(ok(input).url, "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", input)
    }
    assert.strictEqual(ok("ws://127.0.0.1:3001/local", "us-east-1").url, "http://127.0.0.1:3001/local")
  })

  it("keeps custom domains with base paths and explicit ports", () => {
    const endpoint = ok("https://ws.example.com/chat/v1/", "eu-central-1")
    assert.strictEqual(endpoint.basePath, "/chat/v1")
    assert.strictEqual(endpoint.region, "eu-central-1")
    assert.strictEqual(ok("https://ws.example.com", "eu-central-1").basePath, "")
    assert.strictEqual(ok("http://localhost:8080/dev", "us-east-1").host, "localhost:8080")
    assert.strictEqual(ok("https://ws.example.com:443/a", "us-east-1").host, "ws.example.com")
    assert.strictEqual(ok("http://[::1]:3001/local", "us-east-1").host, "[::1]:3001")
  })

  it("an explicit region wins over the host's", () => {
    assert.strictEqual(ok("https://abc.execute-api.eu-west-1.amazonaws.com/prod", "us-east-1").region, "us-east-1")
  })

  it("refuses nonsense with a configuration error naming the bad value", () => {
    const noScheme = bad("abc123.execute-api.eu-west-1.amazonaws.com/prod")
    assert.strictEqual(noScheme._tag, "ConfigurationError")
    assert.strictEqual(noScheme.option, "endpoint")
    assert.include(noScheme.message, "abc123.execute-api.eu-west-1.amazonaws.com/prod")
    assert.include(bad("ftp://example.com/x", "us-east-1").message, "ftp:")
    assert.include(bad("https://abc123.execute-api.eu-west-1.amazonaws.com").message, "no stage")
    assert.include(bad("https://abc123.execute-api.eu-west-1.amazonaws.com/").message, "no stage")
    assert.strictEqual(bad("https://ws.example.com/chat").option, "region")
    assert.strictEqual(bad("https://ws.example.com/chat", "not a region").option, "region")
    assert.include(bad("https://user:pw@ws.example.com/chat", "us-east-1").message, "credentials")
    assert.notInclude(bad("https://user:pw@ws.example.com/chat", "us-east-1").message, "pw")
    assert.include(bad("https://ws.example.com/chat?x=1", "us-east-1").message, "query")
    assert.include(bad("", "us-east-1").message, "empty")
    assert.include(bad("https://", "us-east-1").message, "https://")
  })
})

describe("Endpoint.encodeSegment", () => {
  it("encodes like the AWS SDKs: one segment, RFC 3986 reserved characters too", () => {
    assert.strictEqual(Endpoint.encodeSegment("L0SM9cOFvHcCIhw="), "L0SM9cOFvHcCIhw%3D")
    assert.strictEqual(Endpoint.encodeSegment("abc/def"), "abc%2Fdef")
    assert.strictEqual(Endpoint.encodeSegment("a b"), "a%20b")
    assert.strictEqual(Endpoint.encodeSegment("ü"), "%C3%BC")
    assert.strictEqual(Endpoint.encodeSegment("!'()*~-_."), "%21%27%28%29%2A~-_.")
    assert.strictEqual(Endpoint.encodeSegment("\ud800"), undefined)
  })
})
