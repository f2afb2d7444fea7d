/**
 * The shared AWS configuration files (`~/.aws/credentials`, `~/.aws/config`): parsing and profile lookup.
 *
 * @internal
 */

/** @internal */
export type Section = Readonly<Record<string, string>>

/** @internal */
export type Sections = Readonly<Record<string, Section>>

const sectionHeader = /^\s*\[([^\]]*)\]/
const inlineComment = /(^|\s)[;#]/

/**
 * Parses an INI document as the AWS CLI writes it. Comments start with `#` or `;` (at the start of a line, or after
 * whitespace); an indented line after `key =` with an empty value is a sub-property stored as `key.sub`. Lines that
 * do not parse are skipped: they are never quoted back, since they may hold secrets.
 *
 * @internal
 */
export const parse = (text: string): Sections => {
  const sections: Record<string, Record<string, string>> = {}
  let current: Record<string, string> | undefined
  let parent: string | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.split(inlineComment)[0]
    if (line.trim() === "") continue
    const header = sectionHeader.exec(line)
    if (header !== null) {
      const name = header[1].trim()
      current = sections[name] ?? (sections[name] = {})
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
      current[`${parent}.${key}`] = value
      continue
    }
    parent = value === "" ? key : undefined
    current[key] = value
  }
  return sections
}

/**
 * The profiles of a config file: `[profile name]` sections, and `[default]`. Other sections (`[sso-session x]`,
 * `[services x]`) are not profiles.
 *
 * @internal
 */
export const configProfiles = (sections: Sections): Sections => {
  const profiles: Record<string, Section> = {}
  if (sections.default !== undefined) profiles.default = sections.default
  for (const name of Object.keys(sections)) {
    const match = /^profile\s+(.+)$/.exec(name)
    if (match !== null) profiles[match[1].trim()] = { ...profiles[match[1].trim()], ...sections[name] }
  }
  return profiles
}

/**
 * Expands a leading `~` to the home directory.
 *
 * @internal
 */
export const expandHome = (path: string, home: string): string =>
  path === "~" ? home : /^~[/\\]/.test(path) ? home.replace(/[/\\]$/, "") + path.slice(1) : path
