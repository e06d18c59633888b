// Reads the tables and columns src/db/schema.ts declares, from its syntax (TypeScript compiler
// API), so a test can hold the hand-written types against what the migrations made. Only what
// the source says plainly is read; anything it cannot classify throws rather than guessing.
import { readFileSync } from 'node:fs'
import ts from 'typescript'

export interface DeclaredColumn {
  /** `T | null` (or `Generated<T | null>`): the column may hold NULL. */
  nullable: boolean
  /** `Generated<T>`: inserts may leave it out. */
  generated: boolean
}

/** Table name → column name → what its type says. */
export type DeclaredSchema = Map<string, Map<string, DeclaredColumn>>

export function readDeclaredSchema(file: string): DeclaredSchema {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022)
  const interfaces = new Map<string, ts.InterfaceDeclaration>()
  const aliases = new Map<string, ts.TypeAliasDeclaration>()
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, statement)
    if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement)
  }

  const includesNull = (node: ts.TypeNode, seen: Set<string> = new Set()): boolean => {
    if (ts.isParenthesizedTypeNode(node)) return includesNull(node.type, seen)
    if (ts.isUnionTypeNode(node)) return node.types.some((member) => includesNull(member, seen))
    if (ts.isLiteralTypeNode(node)) return node.literal.kind === ts.SyntaxKind.NullKeyword
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const alias = aliases.get(node.typeName.text)
      if (alias && !seen.has(alias.name.text)) {
        return includesNull(alias.type, new Set([...seen, alias.name.text]))
      }
    }
    return false
  }

  const column = (property: ts.PropertySignature, where: string): DeclaredColumn => {
    const type = property.type
    if (!type) throw new Error(`${where} has no type`)
    if (
      ts.isTypeReferenceNode(type) &&
      ts.isIdentifier(type.typeName) &&
      type.typeName.text === 'Generated'
    ) {
      const inner = type.typeArguments?.[0]
      if (!inner) throw new Error(`${where}: Generated without a type`)
      return { nullable: includesNull(inner), generated: true }
    }
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      const name = type.typeName.text
      if (name === 'ColumnType' || name === 'GeneratedAlways' || name === 'JSONColumnType') {
        throw new Error(`${where}: ${name} is not read by this check; teach it first`)
      }
    }
    return { nullable: includesNull(type), generated: false }
  }

  const database = interfaces.get('DB')
  if (!database) throw new Error(`${file} declares no DB interface`)
  const schema: DeclaredSchema = new Map()
  for (const member of database.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isTypeReferenceNode(member.type)) {
      throw new Error(`DB member ${member.getText(source)} is not \`table: SomeTable\``)
    }
    const table = propertyName(member, source)
    const typeName = member.type.typeName.getText(source)
    const declaration = interfaces.get(typeName)
    if (!declaration) throw new Error(`DB.${table}: ${typeName} is not an interface in ${file}`)
    const columns = new Map<string, DeclaredColumn>()
    for (const field of declaration.members) {
      if (!ts.isPropertySignature(field)) {
        throw new Error(`${typeName}: ${field.getText(source)} is not a column`)
      }
      const name = propertyName(field, source)
      columns.set(name, column(field, `${typeName}.${name}`))
    }
    schema.set(table, columns)
  }
  return schema
}

function propertyName(member: ts.PropertySignature, source: ts.SourceFile): string {
  const name = member.name
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text
  throw new Error(`unreadable property name ${name.getText(source)}`)
}
