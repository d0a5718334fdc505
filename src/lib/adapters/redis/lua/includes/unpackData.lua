-- unpackData(data, n) -> table of n strings, or nil when the data holds another number of values.
-- A batch's values travel joined by the byte 0x1E (see packData in scripts.ts).
local MALFORMED = 'musicflow: packed batch data does not hold the values it announces (a value contains the byte 0x1E)'
local function unpackData(data, n)
  local values, from, find, sub = {}, 1, string.find, string.sub
  if n == 0 then return (data == '' and values) or nil end
  for j = 1, n - 1 do
    local at = find(data, '\30', from, true)
    if not at then return nil end
    values[j] = sub(data, from, at - 1)
    from = at + 1
  end
  if find(data, '\30', from, true) then return nil end
  values[n] = sub(data, from)
  return values
end
