#include "json_scan.h"
#include <cstring>

namespace klt {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t SkipSpace(const char* b, size_t n, size_t i) {
  while (i < n && IsSpace(b[i])) i++;
  return i;
}

constexpr size_t kFail = static_cast<size_t>(-1);

// index just past the string starting at the quote at i, or kFail
size_t EndOfString(const char* b, size_t n, size_t i, bool* escaped) {
  *escaped = false;
  for (size_t j = i + 1; j < n; j++) {
    if (b[j] == '\\') {
      *escaped = true;
      j++;
    } else if (b[j] == '"') {
      return j + 1;
    }
  }
  return kFail;
}

// index just past the value starting at i, or kFail
size_t EndOfValue(const char* b, size_t n, size_t i, bool* escaped) {
  *escaped = false;
  if (i >= n) return kFail;
  char c = b[i];
  if (c == '"') return EndOfString(b, n, i, escaped);
  if (c == '{' || c == '[') {
    int depth = 0;
    for (size_t j = i; j < n; j++) {
      char d = b[j];
      if (d == '"') {
        size_t end = EndOfString(b, n, j, escaped);
        if (end == kFail) return kFail;
        j = end - 1;
      } else if (d == '{' || d == '[') {
        depth++;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return j + 1;
      }
    }
    return kFail;
  }
  size_t j = i;
  while (j < n && b[j] != ',' && b[j] != '}') j++;
  return j;
}

// Can no key in [b, b + n) be `name`? Only a `"name"` there (quotes unescaped), or a \u
// escape that could spell one, could be: as noneLater() in field-scan.ts.
bool NoneLater(const char* b, size_t n, const char* name, size_t nameLength) {
  if (memmem(b, n, "\\u", 2) != nullptr) return false;
  const char* end = b + n;
  for (const char* at = b; at < end;) {
    const char* hit = static_cast<const char*>(memmem(at, static_cast<size_t>(end - at), name, nameLength));
    if (hit == nullptr) return true;
    if (hit > b && hit[-1] == '"' && hit + nameLength < end && hit[nameLength] == '"') return false;
    at = hit + 1;
  }
  return true;
}

}  // namespace

FieldSpan ScanTopLevelField(const char* b, size_t n, const char* name, size_t nameLength) {
  const FieldSpan other{FieldSpan::kOther, nullptr, 0};
  FieldSpan found{FieldSpan::kAbsent, nullptr, 0};
  bool escaped = false;
  size_t i = SkipSpace(b, n, 0);
  if (i >= n || b[i] != '{') return other;
  i = SkipSpace(b, n, i + 1);
  while (i < n && b[i] == '"') {
    size_t keyEnd = EndOfString(b, n, i, &escaped);
    if (keyEnd == kFail || escaped) return other;  // a key with escapes could spell the name
    bool match = keyEnd - i - 2 == nameLength && std::memcmp(b + i + 1, name, nameLength) == 0;
    i = SkipSpace(b, n, keyEnd);
    if (i >= n || b[i] != ':') return other;
    i = SkipSpace(b, n, i + 1);
    size_t valueEnd = EndOfValue(b, n, i, &escaped);
    if (valueEnd == kFail) return other;
    if (match) {
      if (found.kind != FieldSpan::kAbsent) return other;  // twice: JSON.parse takes the last, the JS encoder decides
      if (b[i] == '"') {
        if (escaped) return other;
        found = FieldSpan{FieldSpan::kString, b + i + 1, valueEnd - i - 2};
      } else if (b[i] == '{' || b[i] == '[') {
        return other;
      } else {
        size_t end = valueEnd;
        while (end > i && IsSpace(b[end - 1])) end--;
        found = FieldSpan{FieldSpan::kLiteral, b + i, end - i};
      }
      // none can come again: done (the rest of the line is not walked, as in the JS scan)
      if (NoneLater(b + valueEnd, n - valueEnd, name, nameLength)) return found;
    }
    i = SkipSpace(b, n, valueEnd);
    if (i < n && b[i] == ',') i = SkipSpace(b, n, i + 1);
    else break;
  }
  if (i >= n || b[i] != '}') return other;
  return found;
}

}  // namespace klt
