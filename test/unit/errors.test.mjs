import t from 'tap'
import * as klt from 'kafka-log-transport'

const classes = ['KafkaLogError', 'ConfigError', 'ConnectError', 'DeliveryError', 'ClosedError', 'BadRecordError',
  'NativeLoadError', 'SpoolLockedError', 'SpoolError', 'AuthError', 'ClockAheadError']

t.test('every error class carries its static code on instances', async (t) => {
  const codes = new Set()
  for (const name of classes) {
    const C = klt[name]
    t.type(C, 'function', `${name} is exported`)
    const e = name === 'ConfigError' ? new C('opt', 'bad') : new C('m')
    t.equal(e.code, C.code, `${name}: instance code equals static code`)
    t.match(e.code, /^KLT_[A-Z_]+$/)
    t.ok(e instanceof klt.KafkaLogError && e instanceof Error, `${name} is a KafkaLogError`)
    t.equal(e.name, name)
    codes.add(C.code)
  }
  t.equal(codes.size, classes.length, 'codes are distinct')
  t.same([...codes].sort(), [...klt.ERROR_CODES].sort(), 'ERROR_CODES lists exactly the codes of the classes')
})
