// Issue #17: the options are declared once (lib/core/config/option-table.ts); the README's
// option table must read exactly as that table renders, and every option the validator
// accepts is in it with the default it applies.
import t from 'tap'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { OPTION_TABLE, optionsMarkdown } = require('../../dist/core/config/option-table.js')
const { resolveOptions } = require('../../dist/core/config/options.js')
const readme = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8')

t.test('the README option table is the declared table', async (t) => {
  const lines = readme.split('\n')
  const start = lines.indexOf('| option | type | default | what it does |')
  t.not(start, -1, 'README.md has an option table under "### Options"')
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'))
  // to fix: node -e "console.log(require('./dist/core/config/option-table.js').optionsMarkdown())"
  t.equal(lines.slice(start, end).join('\n'), optionsMarkdown(), 'row for row as lib/core/config/option-table.ts renders it')
})

t.test('the defaults resolveOptions applies are the table\'s', async (t) => {
  const resolved = resolveOptions({ brokers: '127.0.0.1:9092', topic: 'logs' })
  for (const o of OPTION_TABLE) {
    t.ok(o.name in resolved, `${o.name} is a resolved option`)
    if (o.rule.kind !== 'custom') t.equal(resolved[o.name], o.rule.default, `${o.name} defaults to ${String(o.rule.default)}`)
  }
  t.same(Object.keys(resolved).sort(), OPTION_TABLE.map((o) => o.name).sort(), 'nothing resolved that the table does not declare')
})

t.test('a simple rule is the one enforced', async (t) => {
  for (const o of OPTION_TABLE) {
    if (o.rule.kind === 'int') {
      t.throws(() => resolveOptions({ brokers: 'h:1', topic: 'x', [o.name]: o.rule.min - 1 }), { code: 'KLT_INVALID_OPTIONS', option: o.name }, `${o.name} below ${o.rule.min}`)
      t.equal(resolveOptions({ brokers: 'h:1', topic: 'x', [o.name]: o.rule.min })[o.name], o.rule.min)
    } else if (o.rule.kind === 'enum') {
      t.throws(() => resolveOptions({ brokers: 'h:1', topic: 'x', [o.name]: 'nonsense' }), { code: 'KLT_INVALID_OPTIONS', option: o.name }, `${o.name}: not one of its values`)
    }
  }
})
