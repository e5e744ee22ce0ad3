/** The error `fn` throws (to check its code and fields); fails when it throws nothing. */
export function thrown (fn) {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}
