/**
 * The shared AWS configuration files (`~/.aws/credentials`, `~/.aws/config`): parsing and profile lookup.
 *
 * Section names and keys are text from a file, so they live in `Map`s, never as the keys of ordinary objects: a
 * `[__proto__]` section or a `constructor =` line is data like any other, and looking up a profile that is not
 * there finds nothing (not `Object.prototype.toString`).
 *
 * @internal
 */

/** @internal */
export type Section = ReadonlyMap<string, string>

/** @internal */
export type Sections = ReadonlyMap<string, Section>

const sectionHeader = /^\s*\[([^\]]*)\]/
const inlineComment = /(^|\s)[;#]/

/**
 * Parses an INI document as the AWS CLI writes it. Comments start with `#` or `;` (at the start of a line, or after
 * whitespace); an indented line after `key =` with an empty value is a sub-property stored as `key.sub`. Lines that
 * do not parse are skipped: they are never quoted back, since they may hold secrets. A section that appears twice is
 * merged, later keys winning.
 *
 * @internal
 */
export const parse = (text: string): Sections => {
  const sections = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  let parent: string | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.split(inlineComment)[0]
    if (line.trim() === "") continue
    const header = sectionHeader.exec(line)
    if (header !== null) {
      const name = header[1].trim()
      current = sections.get(name)
      if (current === undefined) {
        current = new Map()
        sections.set(name, current)
      }
      parent = undefined
      continue
    }
    if (current === undefined) continue
    const equals = line.indexOf("=")
    if (equals < 0) continue
    const key = line.slice(0, equals).trim()
    const value = line.slice(equals + 1).trim()
    if (key === "") continue
    const indented = /^\s/.test(line)
    if (indented && parent !== undefined) {
      current.set(`${parent}.${key}`, value)
      continue
    }
    parent = value === "" ? key : undefined
    current.set(key, value)
  }
  return sections
}

/**
 * The profiles of a config file: `[profile name]` sections, and `[default]` (which `[profile default]` extends).
 * Other sections (`[sso-session x]`, `[services x]`) are not profiles.
 *
 * @internal
 */
export const configProfiles = (sections: Sections): Sections => {
  const profiles = new Map<string, Section>()
  const fallback = sections.get("default")
  if (fallback !== undefined) profiles.set("default", fallback)
  for (const [name, section] of sections) {
    const match = /^profile\s+(.+)$/.exec(name)
    if (match === null) continue
    const profile = match[1].trim()
    profiles.set(profile, merge(profiles.get(profile), section))
  }
  return profiles
}

/**
 * The settings of `base` overridden by those of `override` (either may be missing).
 *
 * @internal
 */
export const merge = (base: Section | undefined, override: Section | undefined): Section =>
  new Map([...(base ?? []), ...(override ?? [])])

/**
 * Expands a leading `~` to the home directory.
 *
 * @internal
 */
export const expandHome = (path: string, home: string): string =>
  path === "~" ? home : /^~[/\\]/.test(path) ? home.replace(/[/\\]$/, "") + path.slice(1) : path
