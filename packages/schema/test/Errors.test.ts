import { Errors } from "@effect-apigw/schema"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"

describe("Errors", () => {
  it("modelled errors keep the AWS name, the message and the metadata", () => {
    const error = new Errors.GoneException({
      Message: "gone away",
      $metadata: { httpStatusCode: 410, requestId: "req-1", attempts: 1, totalRetryDelay: 0 }
    })
    assert.strictEqual(error._tag, "GoneException")
    assert.strictEqual(error.message, "gone away (status 410, request id req-1)")
    assert.strictEqual(error.$metadata.requestId, "req-1")
    assert.instanceOf(error, Error)
  })

  it("the four modelled errors are four classes, each with its AWS name", () => {
    const classes = [
      Errors.ForbiddenException,
      Errors.GoneException,
      Errors.PayloadTooLargeException,
      Errors.LimitExceededException
    ]
    const names = ["ForbiddenException", "GoneException", "PayloadTooLargeException", "LimitExceededException"]
    classes.forEach((Class, i) => {
      const error = new Class({ $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 } })
      assert.strictEqual(error._tag, names[i])
      assert.strictEqual(error.message, `${names[i]} (status 400)`)
      classes.forEach((Other, j) => assert.strictEqual(error instanceof Other, i === j, `${names[i]} / ${names[j]}`))
    })
  })

  it("the unmodelled error keeps its code", () => {
    const error = new Errors.AwsServiceError({
      code: "AccessDeniedException",
      Message: "nope",
      $metadata: { httpStatusCode: 403, attempts: 1, totalRetryDelay: 0 }
    })
    assert.strictEqual(error.message, "AccessDeniedException: nope (status 403)")
  })

  it("errors are yieldable and catchable by tag", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        new Errors.InvalidInputError({ field: "ConnectionId", description: "must not be empty" })
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        assert.include(Cause.pretty(exit.cause), "Invalid ConnectionId: must not be empty")
      }
    }).pipe(Effect.runSync))
})
