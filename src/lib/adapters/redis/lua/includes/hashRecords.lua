-- Hash records whose layout the caller defines (scripts.ts): fieldList(text) reads the fields, comma separated;
-- hashOf(fields, values, at) pairs them with values[at + 1 ..] as HSET takes them.
local function fieldList(text)
  local fields = {}
  for field in string.gmatch(text, '[^,]+') do fields[#fields + 1] = field end
  return fields
end
local function hashOf(fields, values, at)
  local hash = {}
  for j = 1, #fields do
    hash[2 * j - 1] = fields[j]
    hash[2 * j] = values[at + j]
  end
  return hash
end
