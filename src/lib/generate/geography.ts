// Where generated customers live: a real US zip code from the `zipcodes` package, in a state drawn in
// proportion to its population, so California and Texas hold many listeners and Wyoming few.
import zipcodes from 'zipcodes';
import { Random, WeightedPicker } from './random.js';

/** Resident population by state (2020 US census, thousands), the 50 states and DC. */
export const STATE_POPULATION_THOUSANDS: Readonly<Record<string, number>> = {
  CA: 39538, TX: 29146, FL: 21538, NY: 20201, PA: 13003, IL: 12813, OH: 11799, GA: 10712, NC: 10439, MI: 10077,
  NJ: 9289, VA: 8631, WA: 7705, AZ: 7152, MA: 7030, TN: 6911, IN: 6786, MD: 6177, MO: 6155, WI: 5894,
  CO: 5774, MN: 5706, SC: 5119, AL: 5024, LA: 4658, KY: 4506, OR: 4237, OK: 3959, CT: 3606, UT: 3272,
  IA: 3190, NV: 3105, AR: 3012, MS: 2961, KS: 2938, NM: 2118, NE: 1962, ID: 1839, WV: 1794, HI: 1455,
  NH: 1377, ME: 1362, RI: 1097, MT: 1084, DE: 990, SD: 887, ND: 779, AK: 733, DC: 690, VT: 643, WY: 577,
};

export interface ZipChoice {
  zip: string;
  state: string;
}

export class ZipAtlas {
  private readonly states: string[];
  private readonly zipsByState: Map<string, string[]>;
  private readonly statePicker: WeightedPicker;

  constructor() {
    this.zipsByState = new Map();
    for (const [zip, info] of Object.entries(zipcodes.codes)) {
      if (info.country !== 'US' || !/^\d{5}$/.test(zip) || !(info.state in STATE_POPULATION_THOUSANDS)) continue;
      const list = this.zipsByState.get(info.state) ?? [];
      list.push(zip);
      this.zipsByState.set(info.state, list);
    }
    // Object key order of the package is not a contract: sort so a seed always maps to the same zips.
    for (const list of this.zipsByState.values()) list.sort();
    this.states = Object.keys(STATE_POPULATION_THOUSANDS).filter((s) => this.zipsByState.has(s));
    this.statePicker = new WeightedPicker(this.states.map((s) => STATE_POPULATION_THOUSANDS[s]));
  }

  /** A zip anywhere, weighted by state population. */
  anywhere(random: Random): ZipChoice {
    return this.inState(random, this.states[this.statePicker.pick(random)]);
  }

  /** A zip in the given state. */
  inState(random: Random, state: string): ZipChoice {
    return { zip: random.pick(this.zipsByState.get(state) as string[]), state };
  }
}
