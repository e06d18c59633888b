// Route schemas: the params and form bodies a route takes, declared once with TypeBox. Fastify
// validates them and the TypeBox type provider types request.params and request.body from them,
// so handlers read typed values instead of casting.
//
// Params are plain text here: a key or id that names nothing is the service's 404, as before.
// Form fields are each optional text: a missing field reads as '' and the service says in words
// what it needs; only a body that is no form of text fields at all is refused by the schema
// (400, "That form could not be read", src/plugins/errors.ts).
import { type TObject, type TOptional, type TString, Type } from 'typebox'

/** /p/:key and everything under it. */
export const keyParams = Type.Object({ key: Type.String() })
/** A comment of a post: /p/:key/comment/:id/... */
export const commentParams = Type.Object({ key: Type.String(), id: Type.String() })
/** Something named by its numeric id in the path. */
export const idParams = Type.Object({ id: Type.String() })
/** A person or shake by name. */
export const nameParams = Type.Object({ name: Type.String() })
/**
 * A page of a stream: posts before or after a key, of a tag or a person when the path names
 * one. Every route of one stream shares it, so one handler serves them all.
 */
export const pageParams = Type.Object({
  before: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
})
/** A token mailed in a link. */
export const tokenParams = Type.Object({ token: Type.String() })

type TextFields<K extends string> = { [P in K]: TOptional<TString> }

/** An HTML form (or the same fields as JSON) whose fields are each optional text. */
export function formBody<const K extends string>(...names: K[]): TObject<TextFields<K>> {
  const properties = Object.fromEntries(names.map((name) => [name, Type.Optional(Type.String())]))
  return Type.Object(properties as TextFields<K>)
}

/** What formValues reads from a formBody schema: every field as a string. */
export type TextFieldsOf<Schema> =
  Schema extends TObject<TextFields<infer K>> ? Record<K, string> : never

/** The fields of a validated form body, a missing one read as ''. */
export function formValues<const K extends string>(
  schema: TObject<TextFields<K>>,
  body: { [P in K]?: string },
): Record<K, string> {
  return Object.fromEntries(
    Object.keys(schema.properties).map((name) => [name, body[name as K] ?? '']),
  ) as Record<K, string>
}

/** A form that only says where to go back to afterwards (a list, a profile, settings). */
export const nextForm = formBody('next')
