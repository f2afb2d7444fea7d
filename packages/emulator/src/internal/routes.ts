/**
 * Route selection: the route key of a message by the route selection expression, and the handler of a route key.
 */
import type { Handler, Routes } from "../Event.js"

/** How messages are routed, and to which handlers. */
export interface Router<R> {
  /** The handler of a route key: its own, else the catch-all handler; `undefined` when there is neither. */
  readonly handlerFor: (routeKey: string) => Handler<R> | undefined
  /** The route key of a message: the one the expression selects when a handler takes it, else `$default`. */
  readonly routeOf: (body: string, isBinary: boolean) => string
}

/**
 * Parses a route selection expression of the form `$request.body.a.b`, returning the property path, or `undefined`
 * for any other expression (every message then goes to `$default`).
 */
const parseSelectionExpression = (expression: string): ReadonlyArray<string> | undefined => {
  const m = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/.exec(expression.trim())
  return m === null ? undefined : m[1].split(".")
}

/** Evaluates a parsed selection expression on a text message: the selected value when it is a string or number. */
const select = (path: ReadonlyArray<string> | undefined, body: string): string | undefined => {
  if (path === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return undefined
  }
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined
}

/** @internal */
export const make = <R>(options: {
  readonly routes: Routes<R>
  /** For every route not in `routes`. */
  readonly handler: Handler<R> | undefined
  readonly routeSelectionExpression: string
}): Router<R> => {
  const { handler, routes } = options
  const path = parseSelectionExpression(options.routeSelectionExpression)
  return {
    handlerFor: (routeKey) => Object.hasOwn(routes, routeKey) ? routes[routeKey] : handler,
    routeOf: (body, isBinary) => {
      const selected = isBinary ? undefined : select(path, body)
      return selected !== undefined && (Object.hasOwn(routes, selected) || handler !== undefined) ?
        selected :
        "$default"
    }
  }
}
