// Issue #28: the rules the JS encoder and the native line path share are written once, in
// lib/core/record/line-rules.ts; native/line_rules.h is generated from it. This fails when
// the header was not regenerated after a rule changed, or when the C++ spells a rule again.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

t.test('native/line_rules.h is what line-rules.ts gives', async (t) => {
  t.doesNotThrow(() => execFileSync(process.execPath, [path.join(root, 'scripts', 'line-rules.mjs'), '--check'], { stdio: 'pipe' }),
    'regenerate with `npm run build && npm run gen:rules`')
})

t.test('the line path\'s C++ takes the shared rules from the header, not from copies', async (t) => {
  const cc = ['lines.cc', 'json_scan.cc'].map((f) => readFileSync(path.join(root, 'native', f), 'utf8')).join('\n')
  // the literals a copy of a rule would spell
  for (const copy of ['"{\\"level\\":"', '",\\"time\\":"', '"\\"trace"', '"application/json"', '"content-type"', '"log-id"', '1e11', '1e14', '1e17', '249']) {
    t.notOk(cc.includes(copy), `no ${copy} in native/*.cc`)
  }
  t.match(cc, /#include "line_rules\.h"/)
})
