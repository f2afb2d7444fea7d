/**
 * Text that breaks code using ordinary objects as maps: the names of `Object.prototype`'s own properties, for
 * property tests over keys that come from outside (query strings, headers, files, JSON).
 */
export const HOSTILE = [
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupGetter__",
  "__lookupSetter__"
]
