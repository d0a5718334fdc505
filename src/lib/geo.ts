// Listening zip -> US state, city and coordinates, from the `zipcodes` package's database.
import zipcodes from 'zipcodes';
import type { Place } from './records.js';

const cache = new Map<string, Place | null>();

export function placeOf(zip: string): Place | null {
  let place = cache.get(zip);
  if (place === undefined) {
    const hit = zipcodes.lookup(zip);
    place = hit && hit.country === 'US'
      ? { state: hit.state, city: hit.city, lat: hit.latitude, lon: hit.longitude }
      : null;
    cache.set(zip, place);
  }
  return place;
}
