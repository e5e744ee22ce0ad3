// One top-level field of a JSON object line, found without parsing the line: the native
// twin of lib/core/record/field-scan.ts (same walk over the whole line; a name that is
// there twice is left to the JS encoder, which takes the last, as JSON.parse does).
#pragma once
#include <cstddef>

namespace klt {

struct FieldSpan {
  enum Kind {
    kAbsent,     // the line is an object without the field
    kString,     // a string without escapes: [data, data + length) is its text
    kLiteral,    // a number, true, false or null: [data, data + length) is its JSON text
    kOther       // anything else (escapes, objects, arrays, the name twice, a line this walk does not handle)
  } kind;
  const char* data;
  size_t length;
};

/** Field `name` of the JSON object in [line, line + length). */
FieldSpan ScanTopLevelField(const char* line, size_t length, const char* name, size_t nameLength);

}  // namespace klt
