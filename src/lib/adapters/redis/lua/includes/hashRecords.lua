-- Hash records whose layout the caller defines (scripts.ts): fieldList(text) reads the fields, comma separated;
-- hashFor(fields) is a table to HSET from, with the fields at the odd places, and fillHash(hash, values, at, n)
-- puts values[at + 1 .. at + n] at the even ones (one table for all records: HSET copies what it is given).
local function fieldList(text)
  local fields = {}
  for field in string.gmatch(text, '[^,]+') do fields[#fields + 1] = field end
  return fields
end
local function hashFor(fields)
  local hash = {}
  for j = 1, #fields do hash[2 * j - 1] = fields[j] end
  return hash
end
local function fillHash(hash, values, at, n)
  for j = 1, n do hash[2 * j] = values[at + j] end
end
