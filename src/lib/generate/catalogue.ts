// The generated music.csv: invented artists with a handful of tracks each, sorted by artist as the reference
// file is, lengths 120-420 s, and a Zipf-like popularity (a few hits, a long tail).
import type { Track } from '../records.js';
import {
  BAND_NOUNS, BAND_SUFFIXES, FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, SONG_ADJECTIVES, SONG_NOUNS,
  SONG_PLACES, SONG_VERBS,
} from './names.js';
import { apportion, Random, WeightedPicker } from './random.js';

export interface Catalogue {
  tracks: Track[];
  byArtist: number[][]; // track ids of each artist
  popularity: WeightedPicker; // over track ids
}

const MEAN_TRACKS_PER_ARTIST = 7;
const ZIPF_EXPONENT = 1;
const SONG_SUFFIXES = ['Blues', 'Song', 'Serenade', 'Lullaby', 'Boogie', 'Waltz', 'Anthem'];
const PREPOSITIONS = ['Under', 'Into', 'Across', 'Through', 'Beyond', 'Over', 'Down'];
const ASKS = ['Leave', 'Stop', 'Forget', 'Wake', 'Tell', 'Call'];

function artistName(random: Random): string {
  switch (random.int(5)) {
    case 0: return `The ${random.pick(SONG_ADJECTIVES)} ${random.pick(BAND_NOUNS)}`;
    case 1: return `${random.pick(random.chance(0.5) ? MALE_FIRST_NAMES : FEMALE_FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
    case 2: return `${random.pick(LAST_NAMES)} & the ${random.pick(BAND_NOUNS)}`;
    case 3: return `${random.pick(SONG_NOUNS)} ${random.pick(BAND_SUFFIXES)}`;
    default: return `${random.pick(SONG_ADJECTIVES)} ${random.pick(SONG_NOUNS)}`;
  }
}

function songTitle(random: Random): string {
  switch (random.int(6)) {
    case 0: return `${random.pick(SONG_ADJECTIVES)} ${random.pick(SONG_NOUNS)}`;
    case 1: return `${random.pick(SONG_VERBS)} ${random.pick(PREPOSITIONS)} ${random.pick(SONG_PLACES)}`;
    case 2: return `${random.pick(SONG_ADJECTIVES)} ${random.pick(SONG_NOUNS)} ${random.pick(SONG_SUFFIXES)}`;
    case 3: return random.pick(FEMALE_FIRST_NAMES);
    case 4: return `Don't ${random.pick(ASKS)} Me`;
    default: return `${random.pick(SONG_VERBS)} ${random.pick(SONG_NOUNS)}`;
  }
}

export function generateCatalogue(count: number, random: Random): Catalogue {
  const artistCount = Math.max(1, Math.ceil(count / MEAN_TRACKS_PER_ARTIST));
  const names = new Set<string>();
  for (let tries = 0; names.size < artistCount && tries < artistCount * 20; tries++) names.add(artistName(random));
  // Past the name space (very large catalogues), number the artists that remain.
  for (let n = 2; names.size < artistCount; n++) names.add(`${artistName(random)} ${n}`);
  const artists = [...names].sort();
  const artistPull = artists.map(() => random.lognormal(1));

  // Every artist has at least one track; the rest are shared out by geometric draws (most have a few, some many).
  const extra = apportion(artists.map(() => random.geometric(1 / MEAN_TRACKS_PER_ARTIST)), count - artists.length);
  const tracks: Track[] = [];
  const byArtist: number[][] = [];
  const score: number[] = [];
  artists.forEach((artist, a) => {
    const ids: number[] = [];
    for (let k = 0; k <= extra[a]; k++) {
      const id = tracks.length;
      const lengthSec = Math.round(Math.min(420, Math.max(120, 235 + 55 * random.normal())));
      tracks.push({ id, title: songTitle(random), artist, lengthSec });
      score.push(artistPull[a] * random.lognormal(0.8));
      ids.push(id);
    }
    byArtist.push(ids);
  });
  // Rank tracks by their pull; weight by rank, Zipf-like.
  const byScore = tracks.map((t) => t.id).sort((x, y) => score[y] - score[x]);
  const weights = new Float64Array(tracks.length);
  byScore.forEach((id, rank) => { weights[id] = 1 / (rank + 1) ** ZIPF_EXPONENT; });
  return { tracks, byArtist, popularity: new WeightedPicker(weights) };
}
